from __future__ import annotations


async def test_anonymous_viewer(api):
    data = await api.gql("{ viewer { kind name } }")
    assert data["viewer"] == {"kind": "ANONYMOUS", "name": ""}
