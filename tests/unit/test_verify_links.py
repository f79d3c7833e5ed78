"""Verify links (issue 18, part B): made once and re-used by every print, withdrawn (the next print makes a new
one), short and unguessable, and race-safe: two prints at once make one link."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from skillpass.extensions import db
from skillpass.labels import Action
from skillpass.models import AuditEvent, Person, VerifyLink
from skillpass.services.credentials import verify_links
from tests.querycount import count_queries


def _audited(action) -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action))


def test_a_link_is_made_once_and_re_used(app, world):
    first = verify_links.live_link(world.learner, world.learner)
    again = verify_links.live_link(world.learner, world.admin)
    assert again.id == first.id
    assert len(first.token) == verify_links.TOKEN_LENGTH == 12
    assert set(first.token) <= set(verify_links.ALPHABET)
    assert not set("il1o0uv") & set(verify_links.ALPHABET)
    assert _audited(Action.VERIFY_LINK_MADE) == 1
    assert verify_links.find(first.token).id == first.id
    assert verify_links.find(first.token.upper()) is None and verify_links.find("x") is None


def test_tokens_are_unguessable_and_different(app, world):
    tokens = {verify_links.new_token() for _ in range(2000)}
    assert len(tokens) == 2000
    # 29 letters, 12 places: about 58 bits, and every letter used.
    assert len(verify_links.ALPHABET) ** verify_links.TOKEN_LENGTH > 2 ** 58
    assert set("".join(tokens)) == set(verify_links.ALPHABET)


def test_withdrawing_keeps_the_old_link_and_the_next_print_makes_a_new_one(app, world):
    old = verify_links.live_link(world.learner, world.learner)
    withdrawn = verify_links.withdraw(world.learner, world.admin)
    assert withdrawn.id == old.id and withdrawn.withdrawn_at is not None and withdrawn.withdrawn_by_id == world.admin.id
    assert verify_links.current(world.learner) is None
    assert verify_links.withdraw(world.learner, world.admin) is None        # nothing left to withdraw
    new = verify_links.live_link(world.learner, world.learner)
    assert new.id != old.id and new.token != old.token
    assert not verify_links.find(old.token).live and verify_links.find(new.token).live
    assert _audited(Action.VERIFY_LINK_WITHDRAWN) == 1 and _audited(Action.VERIFY_LINK_MADE) == 2
    renewed = verify_links.renew(world.learner, world.learner)
    assert renewed.id != new.id and _audited(Action.VERIFY_LINK_WITHDRAWN) == 2


def test_one_live_link_per_person_is_the_databases_rule_and_a_loser_reads_the_winner(app, world):
    winner = verify_links.live_link(world.learner, world.learner)
    db.session.commit()
    # A second print that read "none" before the first committed: its insert fails, it reads the winner's.
    real = verify_links._live
    calls = []

    def stale(person_id):
        calls.append(person_id)
        return None if len(calls) == 1 else real(person_id)

    verify_links._live = stale
    try:
        got = verify_links.live_link(world.learner, world.admin)
    finally:
        verify_links._live = real
    assert got.id == winner.id
    db.session.commit()
    assert db.session.scalar(select(func.count(VerifyLink.id))) == 1
    assert _audited(Action.VERIFY_LINK_MADE) == 1


def test_two_prints_at_the_same_moment_make_one_link(app, world):
    person_id = world.learner.id
    barrier = threading.Barrier(2)
    tokens, errors = [], []

    def print_once():
        with app.app_context():
            try:
                from skillpass.models import Person

                person = db.session.get(Person, person_id)
                barrier.wait()
                tokens.append(verify_links.live_link(person, person).token)
                db.session.commit()
            except Exception as error:   # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=print_once) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    db.session.expire_all()
    live = db.session.scalars(select(VerifyLink).where(VerifyLink.withdrawn_at.is_(None))).all()
    assert len(live) == 1


def test_a_bulk_print_loads_everyones_links_in_constant_queries(app, world):
    from tests import factories

    few = [world.learner, world.other_learner]
    many = few + [factories.person(name=f"Person {n}", team=world.team_a, email=f"p{n}@example.test")
                  for n in range(12)]
    db.session.commit()
    verify_links.live_link(world.learner, world.admin)      # one has a link already

    def queries(people):
        # Loaded as a bulk print loads them (in one query, before), not one by one after a commit expired them.
        db.session.scalars(select(Person).where(Person.id.in_([p.id for p in people]))).all()
        with count_queries() as log:
            links = verify_links.live_links(people, world.admin)
        return log, links

    few_log, links = queries(few)
    n_few = few_log.count
    assert set(links) == {p.id for p in few} and links[world.learner.id].token
    db.session.commit()
    many_log, links = queries(many)
    n_many = many_log.count
    assert set(links) == {p.id for p in many}
    assert len({link.token for link in links.values()}) == len(many)
    # Reading all of them, making the missing twelve and auditing them: the same statements as for two.
    assert n_many <= n_few + 1, [s[:70] for s in many_log.statements]
    again, _ = queries(many)
    assert again.count == 1          # all there: one read
