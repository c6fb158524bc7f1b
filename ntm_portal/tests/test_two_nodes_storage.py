"""Two web nodes, one private S3-compatible bucket (docs/DEPLOY.md §4, "Scaling out").

Evidence uploaded through one gunicorn is downloaded through another, with the session of the first, and
only through the portal's permission check; the bucket refuses anonymous readers and the nodes' own disks
stay empty. The store is moto's S3 server (`moto[server]`), started in this process on a spare port; the
two gunicorns run the production settings (DEBUG off) with `MEDIA_STORAGE_BACKEND=storages.backends.s3.
S3Storage`, on the test database: PostgreSQL, since they are other processes and must see what the test
commits (SQLite's test database lives in this process's memory)."""

import contextlib
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.db import connection
from django.urls import reverse

from conftest import require_service
from ntm_portal.demo import DEMO_PASSWORD
from ntm_portal.tests.brokers import closed_port
from reports.models import EvidenceFile
from reports.tests.test_views import form_data, png_bytes, status_by_code

ROOT = Path(__file__).resolve().parents[2]
BUCKET = "ntm-media"
REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "ntm-test", "AWS_SECRET_ACCESS_KEY": "ntm-test-secret"}
PUBLIC_GRANTEES = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)

pytestmark = [
    pytest.mark.two_nodes,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_needs_postgresql"),
]


def wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"waited {seconds} s for {what}")


@pytest.fixture
def _needs_postgresql():
    require_service("PostgreSQL test database", connection.vendor == "postgresql")


@pytest.fixture
def store():
    """moto's S3 server with a private bucket (no ACL granted beyond its owner, public access blocked)."""
    require_service("moto[server] (requirements-dev.txt)", importlib.util.find_spec("moto") is not None)
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )
        client.create_bucket(Bucket=BUCKET)
        client.put_public_access_block(
            Bucket=BUCKET,
            PublicAccessBlockConfiguration=dict.fromkeys(
                ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
            ),
        )
        yield {"endpoint": endpoint, "client": client}
    finally:
        server.stop()


@pytest.fixture
def nodes(store, report, tmp_path):
    """Two gunicorns (one worker each), each with its own empty MEDIA_ROOT, on the bucket and the test database."""
    db = connection.settings_dict
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("AWS_") and name not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "CELERY_BROKER_URL")
    }
    common = {
        **inherited,
        "DEBUG": "0",
        "SECRET_KEY": "two-nodes-" + "k" * 50,  # the same on every node: it signs the session's auth hash
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        # No collectstatic: the pages render their static URLs, nobody fetches them here.
        "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "MEDIA_STORAGE_BACKEND": "storages.backends.s3.S3Storage",
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": store["endpoint"],
        "AWS_S3_REGION_NAME": REGION,
        **CREDENTIALS,
        "AWS_CONFIG_FILE": os.devnull,  # nothing from the machine's ~/.aws
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "2",
    }
    started = []
    try:
        for name in ("a", "b"):
            media, log = tmp_path / f"media-{name}", tmp_path / f"gunicorn-{name}.log"
            media.mkdir()
            port = closed_port()
            env = {**common, "MEDIA_ROOT": str(media), "GUNICORN_BIND": f"127.0.0.1:{port}"}
            with open(log, "wb") as output:
                process = subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"],
                    cwd=ROOT,
                    env=env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            started.append({"url": f"http://127.0.0.1:{port}", "media": media, "log": log, "process": process})
        for node in started:
            wait_for(lambda node=node: _answers(node), 30, f"gunicorn on {node['url']}:\n{_tail(node)}")
        yield started
    finally:
        for node in started:
            node["process"].terminate()
        for node in started:
            try:
                node["process"].wait(timeout=15)
            except subprocess.TimeoutExpired:
                node["process"].kill()
                node["process"].wait(timeout=5)


def _answers(node):
    if node["process"].poll() is not None:
        pytest.fail(f"gunicorn on {node['url']} exited:\n{_tail(node)}")
    with contextlib.suppress(requests.ConnectionError):
        return requests.get(f"{node['url']}/accounts/login/", timeout=5).status_code == 200
    return False


def _tail(node):
    return node["log"].read_text(errors="replace")[-3000:]


def signed_in(node, user):
    """A browser-like session signed in on `node` through the login form (CSRF token and all)."""
    session = requests.Session()
    session.get(f"{node['url']}/accounts/login/", timeout=10).raise_for_status()
    response = session.post(
        f"{node['url']}/accounts/login/",
        data={
            "username": user.username,
            "password": DEMO_PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, f"{user.username} could not sign in on {node['url']}:\n{_tail(node)}"
    return session


@pytest.fixture
def officials(users):
    """Xuân Trường's and Xuân Hòa's officials with passwords the nodes can check: the tests' fast hasher (MD5)
    is not among the production settings' hashers."""
    hashed = make_password(DEMO_PASSWORD, hasher=PBKDF2PasswordHasher())
    for username in ("xa_xuantruong", "xa_xuanhoa"):
        users[username].password = hashed
        users[username].save(update_fields=["password"])
    return users["xa_xuantruong"], users["xa_xuanhoa"]


def test_evidence_uploaded_on_one_node_is_downloaded_on_the_other_through_the_check(report, officials, nodes, store):
    official, other_commune = officials
    node_a, node_b = nodes
    s3 = store["client"]
    picture = png_bytes()
    s22 = status_by_code(report, "2.2")

    # Node A: the official signs in and saves the draft with an evidence file, through the report form.
    session = signed_in(node_a, official)
    form_page = session.get(f"{node_a['url']}{reverse('reports:report_detail', args=[report.pk])}", timeout=30)
    assert f'name="evidence_{s22.pk}"' in form_page.text
    response = session.post(
        f"{node_a['url']}{reverse('reports:report_edit', args=[report.pk])}",
        data=form_data(report, save="1", csrfmiddlewaretoken=session.cookies["csrftoken"]),
        files={f"evidence_{s22.pk}": ("biên bản nghiệm thu.png", picture, "image/png")},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, _tail(node_a)
    evidence = EvidenceFile.objects.get(status=s22)
    assert evidence.original_name == "biên bản nghiệm thu.png"

    # In the bucket, under the stored name, and on neither node's disk.
    listed = s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    assert [item["Key"] for item in listed] == [evidence.file.name]
    assert s3.get_object(Bucket=BUCKET, Key=evidence.file.name)["Body"].read() == picture
    assert not [path for node in nodes for path in node["media"].rglob("*")]

    # The bucket is private: an anonymous reader of the object is refused, and no ACL grants the public.
    assert requests.get(f"{store['endpoint']}/{BUCKET}/{evidence.file.name}", timeout=10).status_code == 403
    grants = (
        s3.get_bucket_acl(Bucket=BUCKET)["Grants"] + s3.get_object_acl(Bucket=BUCKET, Key=evidence.file.name)["Grants"]
    )
    assert not [grant for grant in grants if grant["Grantee"].get("URI") in PUBLIC_GRANTEES]

    # Node B, with the session node A opened: the report links to the portal's view, which streams the file.
    download = reverse("reports:evidence_download", args=[evidence.pk])
    page = session.get(f"{node_b['url']}{reverse('reports:report_detail', args=[report.pk])}", timeout=30).text
    assert f'href="{download}"' in page and store["endpoint"] not in page
    response = session.get(f"{node_b['url']}{download}", allow_redirects=False, timeout=30)
    assert response.status_code == 200, _tail(node_b)
    assert response.content == picture and response.headers["Content-Type"] == "image/png"

    # Node B checks who asks: another commune's official gets 404, an anonymous visitor the login page.
    outsider = signed_in(node_b, other_commune)
    assert outsider.get(f"{node_b['url']}{download}", allow_redirects=False, timeout=30).status_code == 404
    anonymous = requests.get(f"{node_b['url']}{download}", allow_redirects=False, timeout=30)
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/accounts/login/")
