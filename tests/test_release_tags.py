"""What counts as a release among a clone's tags (issue 28, point 1): final versions only, the
product's tag family, one deployment per released commit at its earliest tag, backfills left
out; checked by name and on real repositories built here with fixed dates."""

from __future__ import annotations

import pytest

from casestudy.sources.git import GitSourceError, sync_git
from casestudy.sources.releases import TagRead, choose_releases, parse_release
from casestudy.store import Store
from tests.test_git import commit
from tests.test_git_dora import DAY, T0, new_repo, tag


@pytest.mark.parametrize("name,family,version", [
    ("v1.2.3", "", (1, 2, 3)), ("1.2.3", "", (1, 2, 3)), ("core-v2.46.0", "core-", (2, 46, 0)),
    ("pkg@1.2.0", "pkg@", (1, 2, 0)), ("curl-7_88_1", "curl-", (7, 88, 1)),
    ("tiny-curl-8_4_0", "tiny-curl-", (8, 4, 0)), ("v2.0.0.post1", "", (2, 0, 0)),
    ("py3-v1.2.0", "py3-", (1, 2, 0))])
def test_final_versions_are_releases_of_their_family(name, family, version):
    r = parse_release(name)
    assert r is not None and (r.family, r.version) == (family, version)


@pytest.mark.parametrize("name", [
    "2.3.x", "0.12.x", "v0.4.0-ci3", "1.0.0+build.5", "v1.2.3rc1", "1.5a2", "v2.0.0-beta.1",
    "0.13.0.dev0", "1.0.0.beta0", "v1", "latest", "with_maskna", "before_urldata_rename",
    "curl-7_6_1-pre1", "release-2024-01-15", "nightly"])
def test_other_names_are_not_releases(name):
    assert parse_release(name) is None


def _t(name: str, sha: str, day: float, committed_day: float | None = None) -> TagRead:
    return TagRead(name, sha, int(T0 + day * DAY),
                   int(T0 + (day if committed_day is None else committed_day) * DAY))


def test_the_largest_family_wins_and_the_others_are_listed():
    tags = [_t("v2.0.0", "a", 1), _t("v2.1.0", "b", 5), _t("v2.2.0", "c", 9),
            _t("core-v0.3.0", "a", 1), _t("core-v0.4.0", "d", 3), _t("2.2.x", "c", 9),
            _t("v2.3.0rc1", "e", 10)]
    r = choose_releases(tags)
    assert r.family == "" and [t.name for t in r.kept] == ["v2.0.0", "v2.1.0", "v2.2.0"]
    assert r.families == {"": 3, "core-": 2} and r.not_releases == 2
    text = r.sentence()
    assert "3 releases from tags named 'v<version>'" in text
    assert "'core-<version>' 2" in text and "2 tags are not a final version" in text
    # a pattern picks the other family
    r = choose_releases(tags, r"^core-")
    assert r.family == "core-" and [t.name for t in r.kept] == ["core-v0.3.0", "core-v0.4.0"]
    assert r.chosen_by == "pattern"


def test_one_deployment_per_commit_at_its_earliest_tag_and_backfills_left_out():
    tags = [_t("1.0.0", "a", 1), _t("v1.0.0", "a", 2), _t("1.1.0", "b", 5),
            # tagged on day 40 for a day-0 commit, after 1.1.0 existed: a backfill
            _t("0.9.0", "z", 40, committed_day=0),
            # an old commit tagged late but as the newest version is a real (late) release
            _t("1.2.0", "c", 60, committed_day=2)]
    r = choose_releases(tags)
    assert [(t.name, t.tagged_at) for t in r.kept] == [
        ("1.0.0", T0 + DAY), ("1.1.0", T0 + 5 * DAY), ("1.2.0", T0 + 60 * DAY)]
    assert r.same_commit == 1 and r.backfills == ["0.9.0"]
    assert "backfilled" in r.sentence() and "0.9.0" in r.sentence()


def prs_of(s: Store) -> dict:
    return {p.number: p for p in s.pull_requests("octo/mono")}


def test_a_clone_with_two_tag_families_deploys_the_product_only(tmp_path):
    r = new_repo(tmp_path, "mono")
    for k in range(1, 9):
        commit(r, f"Change {k} (#{k})", T0 + k * DAY)
        if k % 2 == 0:  # the product: v1.k at every second change
            tag(r, f"v1.{k}.0", T0 + k * DAY + 3600)
        if k % 4 == 0:  # a sub-package at every fourth change, half an hour earlier
            tag(r, f"core-v0.{k}.0", T0 + k * DAY + 1800)
        if k == 4:
            tag(r, "v1.4.1", T0 + k * DAY + 7200)  # a second tag on the same commit
            tag(r, "1.x", T0 + k * DAY + 7200)  # a branch-style tag
            tag(r, "v1.5.0-ci3", T0 + k * DAY + 7200)  # a CI test tag
    s = Store(tmp_path / "s.sqlite")
    out = sync_git(s, r)
    deps = sorted(d.created_at for d in s.deployments("octo/mono"))
    # plain count by hand: v1.2, v1.4, v1.6, v1.8 (v1.4.1 shares v1.4's commit)
    assert out["tags"] == 4
    assert deps == [T0 + k * DAY + 3600 for k in (2, 4, 6, 8)]
    prs = prs_of(s)
    assert prs[3].deployed_at == T0 + 4 * DAY + 3600  # the next product release, not core's
    note = next(x for x in s.summary() if x.repo == "octo/mono").releases
    assert "4 releases" in note and "'core-<version>' 2" in note and "1 further tag on" in note
    # the same clone with the sub-package chosen
    s2 = Store(tmp_path / "s2.sqlite")
    assert sync_git(s2, r, release_tags=r"^core-v")["tags"] == 2
    assert prs_of(s2)[3].deployed_at == T0 + 4 * DAY + 1800
    with pytest.raises(GitSourceError, match="release-tags"):
        sync_git(s2, r, release_tags="(")
