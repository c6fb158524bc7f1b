"""Point the portal's Celery app at another broker for a test, and back."""

import contextlib
import socket

from ntm_portal.celery import app


def closed_port():
    """A local port nobody listens on: connecting to it is refused, as to a stopped Redis."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def point_at(url, *, eager=False):
    # Celery copies broker_url to the read and write URLs when it loads its configuration, and keeps its
    # connections (and producers) once made: all of them must change. (kombu keeps the pools themselves,
    # one per broker URL, for the next test that uses that broker.)
    app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = app.conf.broker_read_url = app.conf.broker_write_url = url
    app.conf.task_always_eager = eager


@contextlib.contextmanager
def using_broker(url, *, eager=False):
    previous = (app.conf.broker_url, app.conf.broker_read_url, app.conf.broker_write_url, app.conf.task_always_eager)
    point_at(url, eager=eager)
    try:
        yield app
    finally:
        point_at(previous[0], eager=previous[3])
        app.conf.broker_read_url, app.conf.broker_write_url = previous[1:3]
