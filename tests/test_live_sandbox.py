"""The live sandbox fixture serves the test database over real HTTP."""

import pytest
import requests

from tests.factories import world_create
from tests.live import LiveSandbox


@pytest.mark.django_db(transaction=True)
def test_the_live_sandbox_serves_the_home_page_with_the_tests_data(live_sandbox: LiveSandbox) -> None:
    world = world_create()

    response = requests.get(live_sandbox.url + "/", timeout=5)

    assert response.status_code == 200
    assert world.api_key.key in response.text
    assert world.tenant.id in response.text
