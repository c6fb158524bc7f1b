"""The widgets core.form_renderer writes in Python come out exactly as Django's Jinja2 templates write them."""

import datetime

import pytest
from django import forms
from django.forms.renderers import Jinja2

from core.form_renderer import FastWidgetsJinja2
from core.widgets import DayFirstDateInput

TRICKY = "a \"quoted\" <b>&'name'</b>"


class Everything(forms.Form):
    text = forms.CharField(max_length=20, initial=TRICKY, help_text="h")
    empty = forms.CharField(required=False)
    number = forms.IntegerField(initial=5, min_value=0)
    decimal = forms.DecimalField(required=False, initial=None)
    email = forms.EmailField(initial="a@b.vn")
    url = forms.URLField(required=False, assume_scheme="https")
    password = forms.CharField(widget=forms.PasswordInput(render_value=True), initial="x")
    hidden = forms.IntegerField(widget=forms.HiddenInput, initial=3)
    date = forms.DateField(widget=DayFirstDateInput(), initial=datetime.date(2021, 4, 25))
    plain_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    moment = forms.DateTimeField(initial=datetime.datetime(2021, 4, 25, 8, 30), required=False)
    clock = forms.TimeField(initial=datetime.time(8, 30), required=False)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 1, "disabled": True, "data-x": False}), initial=TRICKY)
    blank_note = forms.CharField(widget=forms.Textarea, required=False)
    choice = forms.ChoiceField(choices=[("", "—"), ("1", "Đạt"), ("0", TRICKY)], initial="0")
    grouped = forms.ChoiceField(choices=[("Nhóm <1>", [("a", "A"), ("b", "B")]), ("c", "C")], initial="b")
    many = forms.MultipleChoiceField(choices=[(1, "một"), (2, "hai")], initial=[1, 2])
    upload = forms.FileField(required=False, widget=forms.ClearableFileInput(attrs={"accept": ".pdf"}))
    plain_upload = forms.FileField(widget=forms.FileInput)


@pytest.mark.parametrize("bound", [False, True])
def test_every_written_widget_matches_django(bound):
    data = {"text": "<x>", "number": "abc", "choice": "1", "note": "", "many": ["2"], "hidden": "7"} if bound else None
    stock, fast = Everything(data, renderer=Jinja2()), Everything(data, renderer=FastWidgetsJinja2())
    for name in stock.fields:
        assert str(fast[name].as_widget()) == str(stock[name].as_widget()), name
        assert str(fast[name]) == str(stock[name]), name  # with label, errors and help text


def test_a_file_with_an_initial_value_goes_through_the_template():
    class Stored:
        url = "/x/"

        def __str__(self):
            return "evidence.pdf"

    stock = forms.ClearableFileInput().render("f", Stored(), renderer=Jinja2())
    assert forms.ClearableFileInput().render("f", Stored(), renderer=FastWidgetsJinja2()) == stock
    assert "evidence.pdf" in stock


def test_written_widgets_skip_the_templates(monkeypatch):
    through_templates = []
    original = Jinja2.render
    monkeypatch.setattr(
        Jinja2, "render", lambda self, name, *a, **k: through_templates.append(name) or original(self, name, *a, **k)
    )
    form = Everything(renderer=FastWidgetsJinja2())
    for name in ("text", "number", "note", "choice", "grouped", "date", "hidden", "upload"):
        form[name].as_widget()
    assert through_templates == []
    form["many"].as_widget()  # a multiple select is one of those written: still no template
    assert through_templates == []
