"""Unit tests of ``autograder.isolation.rootfs.plan``: what a worker's file system is built from."""

from __future__ import annotations

import sys

import pytest

from autograder.isolation import rootfs


@pytest.fixture
def fake_path(monkeypatch, tmp_path):
    """A course at tmp/course with a venv, the package and the private folders, on sys.path."""
    course = tmp_path / "course"
    for folder in ("autograder", ".venv/lib/site-packages", "solutions/_grading", "submitted", ".git"):
        (course / folder).mkdir(parents=True)
    home = tmp_path / "home"
    (home / ".local/site-packages").mkdir(parents=True)
    monkeypatch.setattr(
        sys,
        "path",
        [
            str(course),
            str(course / ".venv/lib/site-packages"),
            str(course / "solutions/_grading"),
            str(home / ".local/site-packages"),
            str(tmp_path),
            "/proc/self",
        ],
    )
    private = [str(course / name) for name in ("solutions", "submitted", ".git")]
    return course, home, rootfs.plan(str(course / "autograder"), [str(course), str(home)], private)


def test_the_environment_and_the_package_are_bound(fake_path):
    """Are the package, a virtual environment inside the course and a user site-packages in the home bound?"""
    course, home, plan = fake_path
    assert {
        str(course / "autograder"),
        str(course / ".venv/lib/site-packages"),
        str(home / ".local/site-packages"),
    } <= set(plan.binds)


def test_nothing_that_holds_or_lies_in_a_private_folder_is_bound(fake_path):
    """Are the course folder, an ancestor of it, a folder inside the solutions and /proc never bound, and
    does the plan say why?"""
    course, _, plan = fake_path
    for path in plan.binds:
        assert not str(course).startswith(path.rstrip("/") + "/") and path != str(course)
        assert "solutions" not in path and not path.startswith("/proc")
    refused = " ".join(plan.refused)
    assert f"{course} (it holds {course})" in refused
    assert "solutions/_grading (it shows" in refused
    assert "/proc/self (the sandbox has its own /proc)" in refused
