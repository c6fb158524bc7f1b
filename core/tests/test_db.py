import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.db import model_update
from inspections.models import ActionItem


def make_action(tree, people):
    return ActionItem.objects.create(
        commune=tree["a"],
        created_by=people["office"],
        title="Cải tạo nhà văn hóa",
        owner_name="Nguyễn Văn A",
        due_date=datetime.date(2030, 1, 31),
    )


def test_model_update_saves_only_the_changed_fields_and_records_one_history_row(tree, people):
    action = make_action(tree, people)
    ActionItem.objects.filter(pk=action.pk).update(owner_position="stale copy")  # written by somebody else
    before = action.updated_at

    with CaptureQueriesContext(connection) as queries:
        action, updated = model_update(
            instance=action,
            fields=["title", "owner_name", "due_date"],
            data={"title": "Cải tạo nhà văn hóa", "owner_name": "Trần Thị B", "due_date": datetime.date(2030, 1, 31)},
        )

    assert updated
    update = next(q["sql"] for q in queries if q["sql"].startswith("UPDATE"))
    assert '"owner_name"' in update and '"updated_at"' in update
    assert '"title"' not in update and '"due_date"' not in update and '"owner_position"' not in update
    stored = ActionItem.objects.get(pk=action.pk)
    assert (stored.owner_name, stored.owner_position) == ("Trần Thị B", "stale copy")
    assert stored.updated_at > before
    assert action.history.count() == 2  # created, updated


def test_model_update_writes_nothing_when_nothing_changed(tree, people):
    action = make_action(tree, people)

    with CaptureQueriesContext(connection) as queries:
        action, updated = model_update(
            instance=action, fields=["title", "owner_name"], data={"title": action.title, "owner_name": "Nguyễn Văn A"}
        )

    assert not updated
    assert not [q for q in queries if q["sql"].startswith(("UPDATE", "INSERT"))]
    assert action.history.count() == 1


def test_model_update_ignores_data_outside_fields(tree, people):
    action = make_action(tree, people)

    action, updated = model_update(instance=action, fields=["title"], data={"status": "done", "title": "Mới"})

    assert updated
    action.refresh_from_db()
    assert (action.title, action.status) == ("Mới", "open")
