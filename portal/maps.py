"""The map settings as pages use them: the tile URL (with its key), its attribution, and the tile host.

`PORTAL_MAP_TILES` is an XYZ URL template with `{z}`, `{x}` and `{y}` (Leaflet's placeholders; the host is
written out, `{s}` subdomains are not offered) and optionally `{key}`, replaced by `PORTAL_MAP_KEY`.
Empty: no map anywhere, and every form and page works as without JavaScript. The key ends up in the
pages (a browser fetches the tiles with it), as tile services expect of a browser key bound to the
portal's domain; it is never logged.
"""

from urllib.parse import urlsplit

PLACEHOLDERS = ("{z}", "{x}", "{y}")
# Where an empty map opens: northern Xinjiang, from 石河子 and 乌鲁木齐 to most divisions, at a zoom that shows it.
CENTRE = (44.0, 85.5)
ZOOM = 6


def tile_url(config):
    """The XYZ tile URL template with the key filled in, or '' when no map is configured."""
    template = (config.get("MAP_TILES") or "").strip()
    if not template:
        return ""
    return template.replace("{key}", config.get("MAP_KEY") or "")


def tile_origin(config):
    """scheme://host[:port] of the tiles (for the page's img-src), or None when no map is configured."""
    template = (config.get("MAP_TILES") or "").strip()
    if not template:
        return None
    parts = urlsplit(template)
    return f"{parts.scheme}://{parts.netloc}"


def problem(template):
    """Why `template` cannot be a tile URL (a sentence), or '' when it can (or is empty)."""
    template = (template or "").strip()
    if not template:
        return ""
    parts = urlsplit(template)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "PORTAL_MAP_TILES must be an http(s) URL, e.g. https://tiles.example.org/{z}/{x}/{y}.png"
    if "{" in parts.netloc:
        return "PORTAL_MAP_TILES: the host must be written out (no {s} or other placeholder in it)"
    missing = [p for p in PLACEHOLDERS if p not in template]
    if missing:
        return f"PORTAL_MAP_TILES lacks {', '.join(missing)}: an XYZ template has {{z}}, {{x}} and {{y}}"
    return ""


def page_settings(config):
    """What a page's map needs (tiles URL template, attribution, where it opens), or None without a map."""
    url = tile_url(config)
    if not url:
        return None
    return {
        "tiles": url,
        "attribution": config.get("MAP_ATTRIBUTION") or "",
        "centre": f"{CENTRE[0]},{CENTRE[1]}",
        "zoom": ZOOM,
    }
