"""A small hand-written corpus (not cut from any reference set) and a workspace folder for the index."""

from __future__ import annotations

import pytest

from panhuo.search import index as search_index
from search_corpus import CORPUS, add_patent

@pytest.fixture
def new_patent(session):
    """Add one patent: ``new_patent(serial, title, abstract, ipc, region, status)``."""
    return lambda *row: add_patent(session, *row)


@pytest.fixture
def corpus(session):
    patents = [add_patent(session, i + 1, *row) for i, row in enumerate(CORPUS)]
    session.flush()
    return patents


@pytest.fixture
def workspace(tmp_path):
    yield tmp_path
    search_index.forget(tmp_path / "index")
