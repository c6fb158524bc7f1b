"""The inbox and its mails: any app notifies a person with a kind and plain parameters; the words are
the registering app's, in the reader's language."""

import pytest
from django.contrib.auth import get_user_model

from communes.models import Profile
from notifications import texts
from notifications.models import Notification
from notifications.selectors import unread_count
from notifications.services import notification_mark_read, notify


@pytest.fixture
def people(db):
    make = get_user_model().objects.create_user
    return (
        make("co_email", email="a@example.org"),
        make("khong_email", email=""),
        make("english", email="e@example.org"),
    )


@pytest.fixture
def greeting():
    @texts.kind("test_greeting")
    def render(params):
        from django.utils.translation import gettext as _

        return _("Báo cáo tháng %(p)s") % {"p": params["period"]}, params["who"]

    yield
    del texts.KINDS["test_greeting"]


def test_notify_makes_one_inbox_entry_each_and_mails_those_with_an_address(
    people, greeting, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = notify(users=people, kind="test_greeting", params={"period": "04/2021", "who": "Xã Xuân Trường"})
    assert len(created) == 3 and Notification.objects.count() == 3
    assert sorted(m.to[0] for m in mailoutbox) == ["a@example.org", "e@example.org"]
    assert {n.user.username: n.title_text for n in created}["co_email"] == "Báo cáo tháng 04/2021"
    assert unread_count(people[0]) == 1


def test_a_mail_goes_out_in_its_reader_s_language(people, greeting, mailoutbox, django_capture_on_commit_callbacks):
    Profile.objects.create(user=people[2], language="en")
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[people[0], people[2]], kind="test_greeting", params={"period": "04/2021", "who": "X"})
    subjects = {m.to[0]: m.subject for m in mailoutbox}
    assert subjects == {
        "a@example.org": "[Cổng NTM] Báo cáo tháng 04/2021",
        "e@example.org": "[Cổng NTM] Monthly report for 04/2021",
    }


def test_marking_read_touches_only_the_user_s_own_entries(people, greeting):
    notify(users=people[:2], kind="test_greeting", params={"period": "04/2021", "who": "X"})
    theirs = Notification.objects.get(user=people[1])
    assert notification_mark_read(user=people[0], notification_ids=[theirs.pk]) == 0
    assert notification_mark_read(user=people[0]) == 1
    assert (unread_count(people[0]), unread_count(people[1])) == (0, 1)


def test_a_kind_nobody_registered_is_a_programming_error():
    with pytest.raises(KeyError):
        texts.render("no_such_kind", {})
