"""Screening candidate keys."""

from __future__ import annotations


def test_deletion_keys_meet_one_edit_typos() -> None:
    from resolver.model.blocking import deletion_keys

    word = "prommarket"
    typos = ["prommqrket", "promarket", "prommarkett", "pormmarket", "prommarket"]
    for typo in typos:
        assert deletion_keys(word) & deletion_keys(typo), typo
    assert not deletion_keys("nomad") & deletion_keys("zapad")  # two letters apart
    assert deletion_keys("alfa") == set()  # too short to key on one edit
