"""The test receiver counts only complete requests, like a real webhook endpoint."""

import socket
from urllib.parse import urlsplit

import requests

from tests.webhooks.receiver import Receiver


def test_a_request_cut_off_mid_body_is_not_recorded() -> None:
    with Receiver() as receiver:
        address = urlsplit(receiver.url)
        with socket.create_connection((address.hostname, address.port)) as sender:
            sender.sendall(b'POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"eventType":')
        requests.post(receiver.url, data=b'{"eventType":"QUEUED"}', timeout=5)

        [received] = receiver.wait_for_count(1)

    assert received.body == b'{"eventType":"QUEUED"}'
