"""Bad input, property-based (hypothesis), for the inspection finding form, with random photos: never a
500, never a partial write (see core/testing_fuzz.py)."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http.multipartparser import MultiPartParser
from django.urls import reverse
from hypothesis import event, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from communes.models import AdministrativeUnit
from core.testing_fuzz import VIEWS, assert_vietnamese, form_errors, long_text, mangled, rolled_back, text
from criteria.models import Indicator


@pytest.fixture
def users(demo):
    return {u.username: u for u in get_user_model().objects.all()}


def _image(fmt, size, mode):
    buffer = io.BytesIO()
    Image.new(mode, size, "green").save(buffer, fmt)
    return buffer.getvalue()


@st.composite
def photo_bytes(draw):
    fmt = draw(st.sampled_from(["JPEG", "PNG"]))
    mode = draw(st.sampled_from(["RGB", "L"] + (["RGBA", "P"] if fmt == "PNG" else [])))
    size = draw(st.one_of(st.tuples(st.integers(1, 64), st.integers(1, 64)), st.just((1700, 1200))))
    valid = _image(fmt, size, mode)
    return draw(
        st.one_of(
            st.just(valid),
            st.just(valid),
            st.integers(1, len(valid) - 1).map(lambda n: valid[:n]),  # cut off (an interrupted upload)
            st.integers(1, 40).map(lambda n: valid[:-n]),  # only the last bytes missing
            st.integers(1, 40).map(lambda n: valid[:-n]),
            mangled(valid),  # bytes flipped
            st.binary(max_size=500).map(lambda b: valid[:8] + b),  # the right magic, garbage after it
            st.binary(max_size=500),
            st.just(b""),
        )
    )


photo_name = st.text(st.characters(categories=("L", "N", "Zs"), include_characters="._-"), min_size=1, max_size=300)


@pytest.fixture
def visit(users):
    from inspections import services

    inspection = services.inspection_create(
        commune=AdministrativeUnit.objects.get(code="15514"),
        date=datetime.date(2021, 4, 14),
        team_name="Tổ công tác số 1",
        leader=users["totrt_thoxuan"],
        created_by=users["totrt_thoxuan"],
    )
    return services.visit_add(inspection=inspection, site_type="school", name="Trường THCS Xuân Trường")


_TRUNCATED_JPEG = _image("JPEG", (64, 48), "RGB")[:-10]  # the end of an interrupted upload is missing


_WELL_FORMED_FINDING = {"assessment": "shortcoming", "shortcoming": "Nhà vệ sinh xuống cấp", "recommendation": ""}
finding_fields = st.one_of(
    st.none(),  # the typed fields are fine: only the photos are random
    st.fixed_dictionaries(
        {
            "assessment": st.one_of(st.sampled_from(["meets", "shortcoming", "serious", "MEETS", ""]), text),
            "shortcoming": st.one_of(st.just("Nhà vệ sinh xuống cấp"), long_text),
            "recommendation": long_text,
        },
        optional={"indicator": st.one_of(st.integers(), text)},
    ),
)


@settings(VIEWS, max_examples=40)  # photos are cheap: a few more examples
@example(  # a JPEG without its last bytes passes the upload check, then fails to decode: ValueError, 500
    photos=[("IMG_0001.JPG", _TRUNCATED_JPEG)], fields=None, another=False
)
@example(  # 400 with Django's "Null characters are not allowed." (untranslated before locale/vi)
    photos=[], fields={"assessment": "meets", "shortcoming": "", "recommendation": "\x00"}, another=False
)
@given(
    photos=st.lists(st.tuples(photo_name, photo_bytes()), max_size=2),
    fields=finding_fields,
    another=st.booleans(),
)
def test_finding_form_never_500(users, visit, client_for, photos, fields, another):
    from inspections.models import Finding, Photo

    indicator = Indicator.objects.get(criteria_set__code="minh-hoa-nang-cao-15-41", code="5.1")
    client = client_for(users["totrt_thoxuan"])
    post = {"indicator": indicator.pk} | (_WELL_FORMED_FINDING if fields is None else fields)
    post["photos"] = [SimpleUploadedFile(name, content, content_type="image/jpeg") for name, content in photos]
    if another:
        post["another"] = "1"
    with rolled_back():
        before = (Finding.objects.count(), Photo.objects.count())
        response = client.post(reverse("inspections:finding_create", args=[visit.pk]), post)
        event(f"HTTP {response.status_code}")
        assert response.status_code in (302, 400), response.status_code
        after = (Finding.objects.count(), Photo.objects.count())
        if response.status_code == 302:
            # Django drops a file whose name has no printable character before any view sees it,
            # exactly as when no file was chosen.
            sent = [name for name, _content in photos if MultiPartParser.sanitize_file_name(None, name)]
            assert after == (before[0] + 1, before[1] + len(sent))
            return
        assert after == before, "refused finding after a partial write"
        event(f"refused: {', '.join(sorted(response.context['form'].errors))}")
        errors = form_errors(response)
        assert errors
        for message in errors:
            assert_vietnamese(message)
