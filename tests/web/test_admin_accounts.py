"""Administration of accounts: role and economy, deactivation, password reset (issue 16,
item 12) — each audited, errors beside the field with the input kept."""
import json

from sqlalchemy import select

from drafting.domain.states import Role
from drafting.extensions import db
from drafting.models import AuditEvent, User
from tests.factories import login


def events(kind):
    return [json.loads(e.data) for e in db.session.execute(
        select(AuditEvent).where(AuditEvent.kind == kind)).scalars()]


def test_the_admin_changes_a_role_and_economy_and_it_is_audited(client, world):
    login(client, "admin")
    jpn = world.user("jpn")
    answer = client.post(f"/admin/users/{jpn.id}/role", data={
        "role": "delegate", "economy_id": str(world.economies["NZ"].id)})
    assert answer.status_code == 302
    db.session.expire_all()
    assert (jpn.role, jpn.economy.code) == (Role.DELEGATE, "NZ")
    assert events("user.role_changed") == [{
        "username": "jpn", "role": "delegate", "economy": "NZ", "previous_role": "delegate",
        "previous_economy": "JPN"}]
    # An observer belongs to no economy, whatever the form says.
    client.post(f"/admin/users/{jpn.id}/role", data={
        "role": "observer", "economy_id": str(world.economies["NZ"].id)})
    db.session.expire_all()
    assert (jpn.role, jpn.economy_id) == (Role.OBSERVER, None)


def test_a_refused_role_is_told_beside_the_field_and_changes_nothing(client, world):
    login(client, "admin")
    jpn = world.user("jpn")
    answer = client.post(f"/admin/users/{jpn.id}/role", data={"role": "secretariat",
                                                              "economy_id": ""})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert f'id="economy-{jpn.id}-error"' in page and "choose one" in page
    assert f'id="economy-{jpn.id}" name="economy_id" aria-invalid="true"' in page
    # The role chosen is kept in that row's form.
    assert '<option value="secretariat" selected>' in page
    db.session.expire_all()
    assert jpn.role is Role.DELEGATE and events("user.role_changed") == []


def test_a_reset_shows_a_temporary_password_once_and_it_signs_in(client, world, app):
    login(client, "admin")
    nz = world.user("nz")
    answer = client.post(f"/admin/users/{nz.id}/password-reset",
                         data={"idempotency_key": "a" * 32})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    temporary = page.split('<code class="secret">')[1].split("</code>")[0]
    assert len(temporary) >= 17
    assert events("user.password_reset") == [{"username": "nz"}]
    assert temporary not in json.dumps(events("user.password_reset"))
    # The same form sent again is not answered with the password a second time.
    again = client.post(f"/admin/users/{nz.id}/password-reset",
                        data={"idempotency_key": "a" * 32})
    assert temporary not in again.get_data(as_text=True)
    other = app.test_client()
    assert other.post("/login", data={"username": "nz", "password": temporary}
                      ).status_code == 302


def test_the_admin_cannot_change_or_reset_their_own_account_here(client, world):
    login(client, "admin")
    admin = world.user("admin")
    refused = client.post(f"/admin/users/{admin.id}/role", data={"role": "observer"})
    assert refused.status_code == 409
    assert client.post(f"/admin/users/{admin.id}/password-reset").status_code == 409
    db.session.expire_all()
    assert db.session.get(User, admin.id).role is Role.ADMIN


def test_create_form_keeps_its_input_and_tells_the_field(client, world):
    login(client, "admin")
    answer = client.post("/admin/users", data={"username": "X!", "display_name": "Someone",
                                               "role": "observer", "password": "x"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="u-username-error"' in page and 'value="X!"' in page and 'value="Someone"' in page
