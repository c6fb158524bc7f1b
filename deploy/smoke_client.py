"""HTTP part of the smoke test: sign in as a commune official and submit this month's report.

Usage: smoke_client.py BASE_URL USERNAME PASSWORD   (prints the report's URL)
"""

import http.cookiejar
import sys
import urllib.parse
import urllib.request
from html.parser import HTMLParser


class FormParser(HTMLParser):
    """Collects the fields of the form with the given id (inputs, selects, textareas) as the browser would."""

    def __init__(self, form_id=None, action_contains=None):
        super().__init__()
        self.form_id, self.action_contains = form_id, action_contains
        self.inside, self.fields, self.action = False, {}, None
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            matches = (self.form_id and attrs.get("id") == self.form_id) or (
                self.action_contains and self.action_contains in (attrs.get("action") or "")
            )
            self.inside = bool(matches)
            if matches:
                self.action = attrs.get("action")
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "file", "button"):
            self.fields[name] = attrs.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def main(base, username, password):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def get(path):
        with opener.open(base + path, timeout=30) as response:
            return response.geturl(), response.read().decode()

    def post(path, fields, referer):
        data = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(base + path, data=data, headers={"Referer": base + referer})
        with opener.open(request, timeout=60) as response:
            return response.geturl(), response.read().decode()

    def csrf():
        return next(c.value for c in jar if c.name == "csrftoken")

    get("/accounts/login/")
    url, body = post(
        "/accounts/login/",
        {"username": username, "password": password, "csrfmiddlewaretoken": csrf()},
        "/accounts/login/",
    )
    assert "Xin chào" in body, "login failed"
    home = FormParser(action_contains="/reports/open/")
    home.feed(body)
    if home.action:  # this month's report is not opened yet
        url, body = post(home.action, {"csrfmiddlewaretoken": csrf()}, "/")
    else:
        report_link = body.split('href="/reports/', 1)[1].split('"', 1)[0]
        url, body = get("/reports/" + report_link)
    form = FormParser(form_id="report-form")
    form.feed(body)
    assert form.action, "report form not found"
    fields = {**form.fields, "submit": "1", "csrfmiddlewaretoken": csrf()}
    path = urllib.parse.urlparse(url).path
    url, body = post(form.action, fields, path)
    assert "Đã nộp báo cáo" in body, "submission failed"
    print(url)


if __name__ == "__main__":
    main(*sys.argv[1:4])
