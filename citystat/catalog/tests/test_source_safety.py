"""A dataset's source cannot reach inside: no private addresses (SSRF), no server files.

The listeners below are real HTTP servers on loopback addresses, the very thing a source
must not reach unless `CITYSTAT_SOURCE_ALLOW_HOSTS` names it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command

from citystat.catalog import fetch
from citystat.catalog.fetch import SourceRefused, check_url, refusal_reason
from citystat.catalog.ingest import IngestError, ingest
from citystat.catalog.models import Dataset
from citystat.catalog.refresh import refresh_due
from citystat.catalog.sources import check_stored_source

from .conftest import published, write

CSV = b"id,opened,score\n1,2020-01-01,3\n"
LOOPBACK_REFUSAL = re.escape(
    "address 127.0.0.1 is not allowed as a source (loopback); add it to "
    "CITYSTAT_SOURCE_ALLOW_HOSTS if this is your intranet"
)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("100.100.100.200", "cloud metadata"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("192.0.2.1", "reserved"),
        ("198.18.0.1", "reserved"),
        ("2001:db8::1", "reserved"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("64:ff9b::a9fe:a9fe", "cloud metadata"),
        ("2002:7f00:1::", "loopback"),
        ("::7f00:1", "loopback"),
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_addresses_inside_are_refused_and_public_ones_are_not(address, reason):
    assert refusal_reason(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/data.csv",
        "http://localhost/data.csv",
        "http://0x7f000001/data.csv",
        "http://2130706433/data.csv",
        "http://127.1/data.csv",
        "http://0177.0.0.1/data.csv",
        "https://127.0.0.1:8443/data.csv",
    ],
)
def test_every_spelling_of_loopback_is_refused(url):
    with pytest.raises(SourceRefused, match=LOOPBACK_REFUSAL):
        check_url(url)


@pytest.mark.parametrize(
    ("url", "address"),
    [("http://[::1]/x.csv", "::1"), ("http://[::ffff:7f00:1]/x.csv", "::ffff:7f00:1")],
)
def test_ipv6_loopback_is_refused(url, address):
    with pytest.raises(SourceRefused, match=f"address {address} is not allowed as a source"):
        check_url(url)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x.csv", "gopher://x/"])
def test_only_http_and_https_are_fetched(url):
    with pytest.raises(SourceRefused, match="only http and https"):
        check_url(url)


def test_a_host_whose_name_resolves_inside_is_refused(monkeypatch):
    answers = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("8.8.8.8", 80)),
               (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", 80))]  # fmt: skip
    monkeypatch.setattr(fetch.socket, "getaddrinfo", lambda *args, **kwargs: answers)
    with pytest.raises(SourceRefused, match=r"address 10\.0\.0\.5 .* \(private\)"):
        check_url("https://data.example.gov/x.csv")


def test_the_allow_list_takes_host_names_and_networks(settings, monkeypatch):
    intranet = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.20.0.7", 443))]
    monkeypatch.setattr(fetch.socket, "getaddrinfo", lambda *args, **kwargs: intranet)
    settings.CITYSTAT_SOURCE_ALLOW_HOSTS = ["*.intranet.city.gov"]
    assert check_url("https://gis.intranet.city.gov/x.csv").addresses == [
        ipaddress.ip_address("10.20.0.7")
    ]
    settings.CITYSTAT_SOURCE_ALLOW_HOSTS = ["10.20.0.0/16"]
    check_url("https://anything.example/x.csv")
    settings.CITYSTAT_SOURCE_ALLOW_HOSTS = ["gis.intranet.city.gov"]
    with pytest.raises(SourceRefused):
        check_url("https://other.intranet.city.gov/x.csv")


def test_an_allowed_name_still_may_not_lead_to_a_metadata_service(settings, monkeypatch):
    metadata = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", 80))]
    monkeypatch.setattr(fetch.socket, "getaddrinfo", lambda *args, **kwargs: metadata)
    settings.CITYSTAT_SOURCE_ALLOW_HOSTS = ["gis.intranet.city.gov"]
    with pytest.raises(SourceRefused, match="cloud metadata"):
        check_url("http://gis.intranet.city.gov/latest/meta-data/")


class Listener:
    """A real HTTP server on a loopback address that counts the requests it answers."""

    def __init__(self, host: str, answer) -> None:
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 — the name http.server calls
                listener.requests.append(self.path)
                answer(self)

            def log_message(self, *args) -> None:
                pass

        self.requests: list[str] = []
        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve_csv(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.end_headers()
    handler.wfile.write(CSV)


def redirect_to(location: str):
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.end_headers()

    return answer


@pytest.fixture
def csv_listener() -> Iterator[Listener]:
    listener = Listener("127.0.0.1", serve_csv)
    yield listener
    listener.close()


@pytest.fixture
def redirecting_listener(csv_listener) -> Iterator[Listener]:
    listener = Listener("127.0.0.1", redirect_to(f"{csv_listener.url}/scores.csv"))
    yield listener
    listener.close()


def test_a_loopback_listener_is_not_requested_and_nothing_is_loaded(scores, csv_listener):
    with pytest.raises(IngestError, match=LOOPBACK_REFUSAL):
        ingest(scores, f"{csv_listener.url}/scores.csv")
    assert csv_listener.requests == []
    assert scores.versions.count() == 0


def test_a_redirect_to_a_loopback_listener_is_refused(scores, csv_listener, redirecting_listener):
    with pytest.raises(IngestError, match=LOOPBACK_REFUSAL):
        ingest(scores, f"{redirecting_listener.url}/start")
    assert csv_listener.requests == [] and redirecting_listener.requests == []
    assert scores.versions.count() == 0


def test_both_load_when_the_allow_list_names_the_address(
    scores, settings, csv_listener, redirecting_listener
):
    settings.CITYSTAT_SOURCE_ALLOW_HOSTS = ["127.0.0.1"]
    ingest(scores, f"{csv_listener.url}/scores.csv")
    version = ingest(scores, f"{redirecting_listener.url}/start")
    assert version.number == 2 and published("scores") == [(1, dt.date(2020, 1, 1), 3.0)]
    assert csv_listener.requests == ["/scores.csv", "/scores.csv"]


@pytest.fixture
def public_looking(monkeypatch):
    """Treat 127.0.0.2 as a public address, so a listener there plays a site on the internet."""
    real = fetch.refusal_reason
    monkeypatch.setattr(
        fetch,
        "refusal_reason",
        lambda address: None if str(address) == "127.0.0.2" else real(address),
    )


def test_a_public_site_redirecting_to_loopback_is_refused_on_the_hop(
    scores, public_looking, csv_listener
):
    public = Listener("127.0.0.2", redirect_to(f"{csv_listener.url}/scores.csv"))
    try:
        with pytest.raises(
            IngestError, match=re.escape(f"{csv_listener.url}/scores.csv: ") + LOOPBACK_REFUSAL
        ):
            ingest(scores, f"{public.url}/start")
        assert public.requests == ["/start"]
    finally:
        public.close()
    assert csv_listener.requests == []
    assert scores.versions.count() == 0


def test_the_connection_goes_to_the_address_that_was_checked(scores, public_looking, monkeypatch):
    # A rebinding name answers a public address first and loopback afterwards: the
    # download must not ask again between the check and the connection.
    public = Listener("127.0.0.2", serve_csv)
    port = public.server.server_address[1]
    lookups = []
    real_getaddrinfo = socket.getaddrinfo

    def rebinding(host, *args, **kwargs):
        if host != "data.example.gov":  # connecting to a checked address looks it up too
            return real_getaddrinfo(host, *args, **kwargs)
        lookups.append(host)
        address = "127.0.0.2" if len(lookups) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(fetch.socket, "getaddrinfo", rebinding)
    try:
        ingest(scores, f"http://data.example.gov:{port}/scores.csv")
    finally:
        public.close()
    assert lookups == ["data.example.gov"]
    assert public.requests == ["/scores.csv"]


def test_more_than_five_redirects_are_not_followed(scores, settings):
    settings.CITYSTAT_SOURCE_ALLOW_HOSTS = ["127.0.0.1"]
    loop = Listener("127.0.0.1", lambda handler: redirect_to("/again")(handler))
    try:
        with pytest.raises(IngestError, match="more than 5 redirects"):
            ingest(scores, f"{loop.url}/start")
    finally:
        loop.close()
    assert len(loop.requests) == 6


@pytest.fixture
def source_folder(settings, tmp_path):
    folder = tmp_path / "sources"
    folder.mkdir()
    settings.CITYSTAT_SOURCE_FOLDERS = [str(folder)]
    return folder


def test_a_file_in_the_source_folder_is_allowed_by_name_or_by_path(source_folder):
    path = write(source_folder, CSV.decode())
    assert check_stored_source("scores.csv") == str(path)
    assert check_stored_source(str(path)) == str(path)


@pytest.mark.parametrize("source", ["../outside.csv", "sub/../../outside.csv", "{tmp}/outside.csv"])
def test_paths_leading_out_of_the_source_folder_are_refused(source_folder, tmp_path, source):
    write(tmp_path, CSV.decode(), "outside.csv")
    with pytest.raises(SourceRefused, match="is outside the source folders"):
        check_stored_source(source.format(tmp=tmp_path))


def test_a_symlink_in_the_source_folder_to_a_file_outside_is_refused(source_folder, tmp_path):
    outside = write(tmp_path, CSV.decode(), "secret.csv")
    (source_folder / "innocent.csv").symlink_to(outside)
    with pytest.raises(SourceRefused, match="innocent.csv: is outside the source folders"):
        check_stored_source("innocent.csv")


def test_a_dataset_reads_its_own_uploads_but_not_another_datasets(source_folder, settings):
    upload = settings.MEDIA_ROOT / "uploads" / "scores" / "20260101T000000-scores.csv"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(CSV)
    assert check_stored_source(str(upload), "scores") == str(upload)
    with pytest.raises(SourceRefused):
        check_stored_source(str(upload), "other")


def test_refresh_refuses_a_stored_file_outside_and_adds_no_version(scores, source_folder, tmp_path):
    outside = write(tmp_path, CSV.decode(), "outside.csv")
    Dataset.objects.filter(pk=scores.pk).update(source=str(outside), refresh_schedule="daily")
    [result] = refresh_due()
    assert not result.ok and "is outside the source folders" in result.message
    assert scores.versions.count() == 0


def test_refresh_refuses_a_stored_loopback_url_and_adds_no_version(scores, csv_listener):
    Dataset.objects.filter(pk=scores.pk).update(
        source=f"{csv_listener.url}/scores.csv", refresh_schedule="daily"
    )
    [result] = refresh_due()
    assert not result.ok and re.search(LOOPBACK_REFUSAL, result.message)
    assert scores.versions.count() == 0 and csv_listener.requests == []


def test_the_operator_may_still_ingest_any_file_from_the_command_line(
    scores, source_folder, tmp_path
):
    outside = write(tmp_path, CSV.decode(), "outside.csv")
    call_command("ingest", "scores", str(outside), verbosity=0)
    assert published("scores")[0][0] == 1


@pytest.fixture
def steward(client, scores):
    user = User.objects.create_user("steward", password="x" * 16)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_dataset", "change_dataset"])
    )
    client.force_login(user)
    return client


def edit_form(dataset: Dataset, source: str) -> dict[str, Any]:
    return {
        "title": dataset.title,
        "update_frequency": "daily",
        "tags": "[]",
        "table_schema": '{"fields": [{"name": "id", "type": "integer"}]}',
        "column_map": "{}",
        "ignored_columns": "[]",
        "source": source,
    }


@pytest.mark.parametrize(
    "source", ["http://127.0.0.1:8000/x.csv", "/etc/passwd.csv", "../../db.csv"]
)
def test_the_staff_form_refuses_a_source_inside_and_keeps_what_was_typed(
    steward, scores, source_folder, source
):
    response = steward.post("/staff/datasets/scores/edit/", edit_form(scores, source))
    page = response.content.decode()
    assert response.status_code == 200
    assert "is not allowed as a source" in page or "is outside the source folders" in page
    assert f'value="{source}"' in page
    assert Dataset.objects.get(pk=scores.pk).source == ""


def test_the_staff_form_saves_a_file_in_the_source_folder(steward, scores, source_folder):
    write(source_folder, CSV.decode())
    response = steward.post("/staff/datasets/scores/edit/", edit_form(scores, "scores.csv"))
    assert response.status_code == 302
    assert Dataset.objects.get(pk=scores.pk).source == "scores.csv"


def test_load_now_refuses_a_stored_source_inside_and_queues_nothing(steward, scores):
    Dataset.objects.filter(pk=scores.pk).update(source="http://[::1]:8000/x.csv")
    response = steward.post("/staff/datasets/scores/load-now/", follow=True)
    assert "Not queued: http://[::1]:8000/x.csv: address ::1 is not allowed" in (
        response.content.decode()
    )
    assert Dataset.objects.get(pk=scores.pk).next_refresh_at is None


def test_an_answer_that_is_not_http_is_a_failed_download(scores, settings):
    settings.CITYSTAT_SOURCE_ALLOW_HOSTS = ["127.0.0.1"]
    garbage = Listener("127.0.0.1", lambda handler: handler.wfile.write(b"NOT HTTP\r\n\r\n"))
    try:
        with pytest.raises(IngestError, match=r"could not be downloaded \(BadStatusLine"):
            ingest(scores, f"{garbage.url}/scores.csv")
    finally:
        garbage.close()
    assert scores.versions.count() == 0
