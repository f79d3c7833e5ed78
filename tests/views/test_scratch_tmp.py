from tests.conftest import HTMX
def test_render(as_learner, world, as_admin):
    r = as_learner.get("/passport"); print(r.status_code); open("/tmp/scratch/passport.html","w").write(r.get_data(as_text=True))
    r = as_learner.get(f"/people/{world.learner.id}/passport/items/{world.fire.id}/record", headers=HTMX); print(r.status_code); open("/tmp/scratch/form.html","w").write(r.get_data(as_text=True))
    r = as_learner.post(f"/people/{world.learner.id}/passport/items/{world.fire.id}/record", data={"completed_on":"2026-01-15","method":"here"}, headers=HTMX); print(r.status_code, r.headers.get("HX-Trigger")); open("/tmp/scratch/row.html","w").write(r.get_data(as_text=True))
    r = as_learner.post(f"/people/{world.learner.id}/passport/items/{world.stress.id}/record", data={"completed_on":"2025-01-15","method":"here"}, headers=HTMX); print(r.status_code); open("/tmp/scratch/err.html","w").write(r.get_data(as_text=True))
    r = as_admin.get("/people/?q=lee"); print(r.status_code); open("/tmp/scratch/people.html","w").write(r.get_data(as_text=True))
    r = as_admin.get(f"/people/{world.learner.id}/passport"); print(r.status_code)
    r = as_learner.get(f"/people/{world.learner.id}/passport/summary", headers=HTMX); print(r.status_code)
    r = as_learner.get(f"/people/{world.learner.id}/passport/sections/{world.week2.id}/progress", headers=HTMX); print(r.status_code)
