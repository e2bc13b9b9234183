"""The ceiling for bench/pages.py: a bare Flask app rendering a Jinja page of a requested size.

    gunicorn -w 2 -b 127.0.0.1:8001 bench.ceiling:app    # GET /<bytes> answers a page of about that size

No database, no session, no extensions: what Flask, Jinja and gunicorn cost for a page of that
size is the most the portal could reach on the same machine.
"""

from flask import Flask, render_template
from jinja2 import DictLoader

app = Flask(__name__)

# A list of linked items, as the portal's list pages are: one loop, one autoescaped variable per row.
PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ title }}</title>
<link rel="stylesheet" href="/static/site.css"></head>
<body><header><a href="/">兵团生态文明建设公众参与平台</a></header><main><h1>{{ title }}</h1><ul>
{% for item in items %}<li><a href="/items/{{ item.id }}">{{ item.name }}</a> <span>{{ item.note }}</span></li>
{% endfor %}</ul></main></body></html>
"""
app.jinja_loader = DictLoader({"page.html": PAGE})  # compiled once, cached, as file templates are
ROW = '<li><a href="/items/00000">第八师石河子市生态环境局示例条目</a> <span>2026-01-01 已公开</span></li>\n'


@app.route("/<int:size>")
def page(size):
    """A page of about `size` bytes."""
    rows = max(1, (size - 400) // len(ROW.encode()))
    items = [
        {"id": n, "name": "第八师石河子市生态环境局示例条目", "note": "2026-01-01 已公开"}
        for n in range(rows)
    ]
    return render_template("page.html", title="示例页面", items=items)
