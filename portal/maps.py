"""The map settings as pages use them: the tile URLs (with their key), the attribution, and the tile hosts.

`PORTAL_MAP_TILES` is an XYZ URL template with `{z}`, `{x}` and `{y}` (Leaflet's placeholders; the host is
written out, `{s}` subdomains are not offered) and optionally `{key}`, replaced by `PORTAL_MAP_KEY`.
Empty: no map anywhere, and every form and page works as without JavaScript. `PORTAL_MAP_LABELS`, optional,
is a second template of the same kind drawn over it (天地图 serves its place names as a layer of their own).
The key ends up in the pages (a browser fetches the tiles with it), as tile services expect of a browser
key bound to the portal's domain; it is never logged.
"""

from urllib.parse import urlsplit

PLACEHOLDERS = ("{z}", "{x}", "{y}")
# The settings that hold a tile URL template: the base layer, and the labels drawn over it.
TEMPLATES = {"MAP_TILES": "PORTAL_MAP_TILES", "MAP_LABELS": "PORTAL_MAP_LABELS"}
# Where an empty map opens: northern Xinjiang, from 石河子 and 乌鲁木齐 to most divisions, at a zoom that shows it.
CENTRE = (44.0, 85.5)
ZOOM = 6


def _template(config, name):
    """The template of setting `name`, or '' (the labels count only with a base layer)."""
    if not (config.get("MAP_TILES") or "").strip():
        return ""
    return (config.get(name) or "").strip()


def tile_url(config, name="MAP_TILES"):
    """The XYZ tile URL template of setting `name` with the key filled in, or '' when it is not configured."""
    return _template(config, name).replace("{key}", config.get("MAP_KEY") or "")


def tile_origins(config):
    """scheme://host[:port] of each configured tile template (for the pages' img-src), without repeats."""
    origins = []
    for name in TEMPLATES:
        template = _template(config, name)
        if template:
            parts = urlsplit(template)
            origins.append(f"{parts.scheme}://{parts.netloc}")
    return list(dict.fromkeys(origins))


def problem(template, variable="PORTAL_MAP_TILES"):
    """Why `template` (the value of `variable`) cannot be a tile URL, as a sentence; '' when it can (or is empty)."""
    template = (template or "").strip()
    if not template:
        return ""
    parts = urlsplit(template)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"{variable} must be an http(s) URL, e.g. https://tiles.example.org/{{z}}/{{x}}/{{y}}.png"
    if "{" in parts.netloc:
        return f"{variable}: the host must be written out (no {{s}} or other placeholder in it)"
    missing = [p for p in PLACEHOLDERS if p not in template]
    if missing:
        return f"{variable} lacks {', '.join(missing)}: an XYZ template has {{z}}, {{x}} and {{y}}"
    return ""


def problems(config):
    """The first sentence saying why a tile setting of `config` is unusable, or ''."""
    for name, variable in TEMPLATES.items():
        if found := problem(config.get(name), variable):
            return found
    return ""


def page_settings(config):
    """What a page's map needs (tile URL templates, attribution, where it opens), or None without a map."""
    url = tile_url(config)
    if not url:
        return None
    return {
        "tiles": url,
        "labels": tile_url(config, "MAP_LABELS"),
        "attribution": config.get("MAP_ATTRIBUTION") or "",
        "centre": f"{CENTRE[0]},{CENTRE[1]}",
        "zoom": ZOOM,
    }
