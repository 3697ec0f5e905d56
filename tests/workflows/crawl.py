"""Follow every link the app renders for a user, breadth-first from the home page."""

import re
from collections import deque
from html import unescape
from urllib.parse import urldefrag, urlsplit

from django.urls import reverse

HREF = re.compile(r'href="([^"]*)"')
# Not followed: logging out ends the walk; exports and downloads are files (no links in them)
# whose own tests check their content; /static/ and /media/ are not pages of the app.
SKIP = (re.compile(r"/logout/"), re.compile(r"export"), re.compile(r"^/static/"), re.compile(r"^/media/"))


def links_of(html: str) -> list[str]:
    """Return the site-internal link targets of a page, without fragments."""
    found = []
    for raw in HREF.findall(html):
        href = urldefrag(unescape(raw))[0]
        if not href or not href.startswith("/") or href.startswith("//"):
            continue
        found.append(href)
    return found


def crawl(client, limit: int) -> tuple[dict[str, int], dict[str, str]]:
    """Return ({url: status} of up to `limit` pages, {url: the page that linked it}); fewer than
    `limit` pages means every link reachable was followed."""
    start = reverse("home")
    seen = {start: ""}
    queue = deque([start])
    answers: dict[str, int] = {}
    while queue and len(answers) < limit:
        url = queue.popleft()
        response = client.get(url)
        answers[url] = response.status_code
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        for href in links_of(response.content.decode()):
            if href.startswith("?"):
                href = urlsplit(url).path + href
            if href in seen or any(p.search(href) for p in SKIP):
                continue
            seen[href] = url
            queue.append(href)
    return answers, seen
