"""What an open page of the preview is told: the pages changed since the version it shows."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.site.reload import KEPT, Versions, url_path

RELS = st.sampled_from(["a/index.html", "b/index.html", "index.html", "n-v/x.html", "x/email.html"])
CHANGES = st.lists(st.one_of(st.none(), st.lists(RELS, max_size=3)), min_size=1, max_size=12)


def test_pages_are_named_by_their_url_path():
    assert url_path("zahlungen/paypal/index.html") == "/zahlungen/paypal/"
    assert url_path("index.html") == "/"
    assert url_path("newsletter-vorschau/x.html") == "/newsletter-vorschau/x.html"


@settings(max_examples=200, deadline=None)
@given(changes=CHANGES, seen=st.integers(min_value=0, max_value=12))
def test_a_page_learns_every_page_changed_after_its_version(changes, seen):
    versions = Versions()
    versions.record(0, None)  # the version the server started with
    for epoch, rels in enumerate(changes, start=1):
        versions.record(epoch, rels)
    current = len(changes)
    seen = min(seen, current)
    told = versions.since(seen, current)
    after = changes[seen:]
    if any(rels is None for rels in after):
        assert told is None  # a whole build in between: everything may have changed
    else:
        assert told == sorted({url_path(rel) for rels in after for rel in rels or ()})


def test_a_page_older_than_the_versions_kept_reloads_everything():
    versions = Versions()
    for epoch in range(KEPT + 5):
        versions.record(epoch, ["a/index.html"])
    assert versions.since(KEPT + 3, KEPT + 4) == ["/a/"]
    assert versions.since(1, KEPT + 4) is None
    assert versions.since(KEPT + 4, KEPT + 5) is None  # a version nobody announced
