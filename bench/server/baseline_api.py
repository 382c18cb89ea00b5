"""The do-it-yourself alternative to Evident's release API, for the load benchmark.

What a team without Evident would write in an afternoon: read a published
release's CSV files into memory once, and answer
``GET /api/releases/<id>/indicators/<indicator>?dimension=code&...`` with the
matching rows as JSON, using only the standard library (``http.server`` with a
thread per connection, ``csv``, ``json``). Answers have the same shape as
Evident's (``total`` and ``rows``) so the benchmark can check both servers
return the same rows before it times them.

    python3 baseline_api.py RELEASE_DIR RELEASE_ID

prints ``listening on http://127.0.0.1:PORT`` and serves until killed.
"""

import csv
import json
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

# Columns holding codes that look like numbers ("01", "2024") stay strings.
CODES = {"iccs", "area", "freq", "period", "sex", "age", "obs_status", "conf_status"}
NUMBER = re.compile(r"^-?\d+(\.\d*)?([eE][-+]?\d+)?$")


def load(release_dir):
    tables = {}
    for path in sorted((Path(release_dir) / "data").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as f:
            tables[path.stem] = list(csv.DictReader(f))
    return tables


def typed(row):
    out = {}
    for key, value in row.items():
        if value == "":
            out[key] = None
        elif key in CODES or not NUMBER.match(value):
            out[key] = value
        elif value.lstrip("-").isdigit():
            out[key] = int(value)
        else:
            out[key] = float(value)
    return out


def make_handler(release_id, tables):
    prefix = f"/api/releases/{release_id}/indicators/"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            url = urlsplit(self.path)
            if not url.path.startswith(prefix):
                return self.reply(404, {"error": "not found"})
            rows = tables.get(url.path[len(prefix):])
            if rows is None:
                return self.reply(404, {"error": "unknown indicator"})
            filters = dict(parse_qsl(url.query))
            limit = int(filters.pop("limit", 1000))
            offset = int(filters.pop("offset", 0))
            if rows and any(k not in rows[0] for k in filters):
                return self.reply(400, {"error": "unknown filter"})
            chosen = [r for r in rows if all(r[k] == v for k, v in filters.items())]
            page = [typed(r) for r in chosen[offset:offset + limit]]
            self.reply(200, {"indicator": url.path[len(prefix):], "filters": filters,
                             "total": len(chosen), "rows": page})

        def reply(self, status, body):
            data = json.dumps(body, separators=(",", ":")).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def main():
    release_dir, release_id = sys.argv[1], sys.argv[2]
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(release_id, load(release_dir)))
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
