"""chromium_signal -- the signalling of make-mdns.sh's chromium session: serves chromium_page.html, and passes the
offer and the answer between the two headless Chromium pages (POST /put/KEY stores a body, GET /get/KEY returns it, 404
until then); every body is also written to DIR/KEY (offer.sdp, answer.sdp, offer.result, answer.result).
Usage: /usr/bin/python3 chromium_signal.py LISTEN-IP DIR   (port 8000)"""
import http.server, sys, os
folder = sys.argv[2]
store = {}
PAGE = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "chromium_page.html"), "rb").read()
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path.startswith("/page.html"):
            self.send_response(200); self.send_header("Content-Type", "text/html"); self.end_headers(); self.wfile.write(PAGE); return
        key = self.path[len("/get/"):]
        if self.path.startswith("/get/") and key in store:
            self.send_response(200); self.end_headers(); self.wfile.write(store[key]); return
        self.send_response(404); self.end_headers()
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        key = self.path[len("/put/"):]
        store[key] = body
        with open(os.path.join(folder, key), "wb") as f: f.write(body)
        self.send_response(200); self.send_header("Access-Control-Allow-Origin", "*"); self.end_headers()
http.server.HTTPServer((sys.argv[1], 8000), H).serve_forever()
