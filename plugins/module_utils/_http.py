# -*- coding: utf-8 -*-
# Copyright: homelab.mediastack contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One small JSON-over-HTTP client that every API family builds on.

Private to the collection (leading underscore): no compatibility promise to other collections.

It is built on ``ansible.module_utils.urls.open_url`` (no extra Python dependency) rather than
``fetch_url`` so the same code serves modules and controller-side action plugins. A family
client (``_arr``, ``_qbittorrent``, ...) gives it a base URL, its auth headers and a name for
messages; this class does the rest: JSON encoding, retries while an app is still starting,
error messages that say what to do, and masking of every secret it was told about.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import socket
import time

from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.six.moves.urllib.parse import urlencode
from ansible.module_utils.urls import open_url

try:  # ansible-core 2.15+: a Request can reuse one TLS context
    from ansible.module_utils.urls import Request, make_context
except ImportError:  # pragma: no cover
    Request = make_context = None
from ansible.module_utils.common.text.converters import to_native, to_text

MASK = "********"


class ApiError(Exception):
    """A request failed. ``status`` is the HTTP status (None when the host was not reached)."""

    def __init__(self, message, status=None, body=None, url=None):
        super(ApiError, self).__init__(message)
        self.status = status
        self.body = body
        self.url = url


class JsonHttpClient(object):
    """JSON client for one service.

    :param base_url: scheme://host:port[/base], no trailing slash needed.
    :param service: name used in messages ("Sonarr", "qBittorrent").
    :param headers: headers sent with every request (auth lives here).
    :param secrets: strings never to show in a message (API keys, passwords).
    :param timeout: seconds for one request, and the budget for retrying a refused connection.
    :param cookies: optional ``http.cookiejar.CookieJar`` kept across requests (session-cookie
        APIs such as qBittorrent's ``SID``); not sent to the opener when None.
    """

    retry_statuses = (502, 503, 504)
    idempotent = ("GET", "HEAD", "PUT", "DELETE", "OPTIONS")

    def __init__(self, base_url, service, headers=None, secrets=(), validate_certs=True,
                 timeout=30, retry_budget=None, sleep=time.sleep, opener=None, cookies=None):
        self.base_url = base_url.rstrip("/")
        self.service = service
        self.headers = dict(headers or {})
        self.secrets = [s for s in secrets if s]
        self.validate_certs = validate_certs
        self.timeout = timeout
        self.retry_budget = timeout if retry_budget is None else retry_budget
        self.requests = []  # (method, path) of every request sent, for callers and tests
        self._sleep = sleep
        self._open = opener or open_url_reusing_tls
        self.cookies = cookies

    def mask(self, text):
        """Return ``text`` with every known secret replaced by the mask."""
        text = to_text(text)
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    def request(self, method, path, body=None, query=None, form=None, headers=None, expect_json=True):
        """Send one request; return the decoded JSON body (or text when ``expect_json`` is False).

        A refused connection (nothing was sent), or a 502/503/504 (an app still starting, a proxy
        before it) to an idempotent method, is retried with backoff until the retry budget is
        spent; anything else fails at once.
        """
        url = self.base_url + path
        if query:
            url += ("&" if "?" in url else "?") + urlencode(query, doseq=True)
        send_headers = dict(self.headers)
        send_headers.update(headers or {})
        data = None
        if form is not None:
            data = urlencode(form, doseq=True)
            send_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif body is not None:
            data = json.dumps(body)
            send_headers.setdefault("Content-Type", "application/json")
        send_headers.setdefault("Accept", "application/json")

        deadline = time.time() + self.retry_budget
        delay = 0.5
        while True:
            self.requests.append((method, path))
            try:
                extra = {} if self.cookies is None else {"cookies": self.cookies}
                response = self._open(url, method=method, data=data, headers=send_headers,
                                      validate_certs=self.validate_certs, timeout=self.timeout,
                                      follow_redirects="safe", **extra)
                raw = response.read()
                return self._decode(raw, expect_json, url)
            except HTTPError as err:
                raw = _read_error_body(err)
                # A 502/503/504 may come from a proxy after the app did the work: only requests that
                # can be repeated safely are retried (a POST could create twice).
                if err.code in self.retry_statuses and method in self.idempotent and time.time() + delay < deadline:
                    self._sleep(delay)
                    delay = min(delay * 2, 5)
                    continue
                raise ApiError(self._http_message(method, path, err.code, raw), status=err.code,
                               body=self._decode(raw, expect_json, url, strict=False), url=self.mask(url))
            except (URLError, socket.error) as err:
                reason = getattr(err, "reason", err)
                if _is_refused(reason) and time.time() + delay < deadline:
                    self._sleep(delay)
                    delay = min(delay * 2, 5)
                    continue
                raise ApiError(
                    "Cannot reach %s at %s: %s. Check the URL and that the service is running and reachable "
                    "from the host this task runs on (the controller, for the wiring modules)."
                    % (self.service, self.base_url, self.mask(to_native(reason))),
                    url=self.mask(url))

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, body=None, **kwargs):
        return self.request("POST", path, body=body, **kwargs)

    def put(self, path, body=None, **kwargs):
        return self.request("PUT", path, body=body, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)

    def _decode(self, raw, expect_json, url, strict=True):
        text = to_text(raw or b"", errors="surrogate_or_strict")
        if not expect_json:
            return text
        if not text.strip():
            return None
        try:
            return json.loads(text)
        except ValueError:
            if not strict:
                return text
            raise ApiError("%s at %s answered with something that is not JSON: %s" % (
                self.service, self.base_url, self.mask(text[:200])), url=self.mask(url))

    def _http_message(self, method, path, status, raw):
        detail = self.mask(to_text(raw or b"", errors="surrogate_or_replace").strip())[:2000]
        if status == 401:
            return ("Credentials rejected by %s at %s (HTTP 401 on %s %s). Check the API key or "
                    "password given to the module." % (self.service, self.base_url, method, path))
        if status == 403:
            return ("%s at %s refused %s %s (HTTP 403): the credentials are valid but not allowed "
                    "to do this. %s" % (self.service, self.base_url, method, path, detail)).strip()
        if status == 404:
            return "%s at %s has no %s (HTTP 404 on %s). Is the URL (and its base path) right?" % (
                self.service, self.base_url, path, method)
        return "%s at %s answered HTTP %s to %s %s: %s" % (
            self.service, self.base_url, status, method, path, detail or "(empty body)")


_TLS_CONTEXTS = {}


def open_url_reusing_tls(url, method=None, validate_certs=True, **kwargs):
    """open_url, with one TLS context per certificate policy for the whole process.

    open_url builds a new SSLContext (and loads the system's CA bundle) for every request, even
    for http URLs; that was most of a no-change *arr rerun's time. The context only depends on
    whether certificates are checked, so it is made once and reused.
    """
    if Request is None:
        return open_url(url, method=method, validate_certs=validate_certs, **kwargs)
    context = _TLS_CONTEXTS.get(validate_certs)
    if context is None:
        context = _TLS_CONTEXTS[validate_certs] = make_context(validate_certs=validate_certs)
    return Request(context=context).open(method or "GET", url, validate_certs=validate_certs, **kwargs)


def _read_error_body(err):
    try:
        return err.read()
    except Exception:  # pylint: disable=broad-except
        return b""


def _is_refused(reason):
    if isinstance(reason, socket.error) and getattr(reason, "errno", None) in (111, 104):
        return True
    text = to_native(reason).lower()
    return "connection refused" in text or "connection reset" in text
