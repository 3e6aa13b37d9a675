"""Autopilot documents over the control API: stored canonically, validated field by field."""

import json

from conversations.models import Autopilot
from tests.api.conftest import GatewayClient, problem
from tests.factories import World, world_create

FULL = {
    "enabled": True,
    "accept": {"afterMs": 200},
    "reply": {
        "mode": "rules",
        "lines": ["Tell me more."],
        "order": "sequence",
        "rules": [{"match": "(?i)refund", "text": "Refunds take 3 days."}],
        "delayMs": {"min": 100, "max": 400},
        "typing": True,
    },
    "transferAfterMessages": {"count": 2, "queueId": "101"},
    "endAfterMessages": 4,
    "seed": 7,
}


def _path(world: World) -> str:
    return f"/sandbox/v1/queues/{world.sales.public_id}/autopilot"


def test_a_put_stores_the_document_and_answers_with_it(world: World, control: GatewayClient) -> None:
    world.support.public_id = "101"
    world.support.save()

    response = control.put(_path(world), FULL)

    assert response.status_code == 200, response.content
    assert json.loads(response.content) == FULL
    stored = Autopilot.objects.get(queue=world.sales)
    assert (stored.tenant_id, stored.agent_id, stored.config) == (world.tenant.id, None, FULL)
    assert json.loads(control.get(_path(world)).content) == FULL


def test_short_forms_are_stored_with_every_default_filled_in(world: World, control: GatewayClient) -> None:
    response = control.put(_path(world), {"accept": "reject", "reply": {"mode": "echo"}})

    assert response.status_code == 200, response.content
    assert json.loads(response.content) == {
        "enabled": True,
        "accept": {"reject": True, "afterMs": 0},
        "reply": {
            "mode": "echo",
            "lines": [],
            "order": "sequence",
            "rules": [],
            "delayMs": {"min": 0, "max": 0},
            "typing": False,
        },
        "transferAfterMessages": None,
        "endAfterMessages": None,
        "seed": None,
    }


def test_an_empty_document_accepts_at_once_and_never_replies(world: World, control: GatewayClient) -> None:
    body = json.loads(control.put(_path(world), {}).content)

    assert (body["accept"], body["reply"]["mode"]) == ({"afterMs": 0}, "none")


def test_never_is_kept_as_written(world: World, control: GatewayClient) -> None:
    body = json.loads(control.put(_path(world), {"accept": "never"}).content)

    assert body["accept"] == "never"


def test_an_agent_override_can_switch_autopilot_off(world: World, control: GatewayClient) -> None:
    agent = world.agent(public_id="agent-anna")

    response = control.put("/sandbox/v1/agents/agent-anna/autopilot", {"enabled": False, "seed": 3})

    assert response.status_code == 200, response.content
    assert json.loads(response.content) == {"enabled": False}
    assert Autopilot.objects.get(agent=agent).config == {"enabled": False}


def test_a_second_put_replaces_the_first(world: World, control: GatewayClient) -> None:
    control.put(_path(world), {"accept": "never"})
    control.put(_path(world), {"accept": {"afterMs": 5}})

    assert [row.config["accept"] for row in Autopilot.objects.filter(queue=world.sales)] == [{"afterMs": 5}]


def test_a_delete_removes_it_and_a_get_then_answers_404(world: World, control: GatewayClient) -> None:
    control.put(_path(world), {})

    assert control.delete(_path(world)).status_code == 204

    assert not Autopilot.objects.exists()
    response = control.get(_path(world))
    assert response.status_code == 404
    assert (
        problem(response)["detail"]
        == f"Entity of type Autopilot with id {world.sales.public_id} was not found."
    )
    assert control.delete(_path(world)).status_code == 404


def test_it_answers_404_for_an_unknown_queue_or_agent(world: World, control: GatewayClient) -> None:
    queue = control.put("/sandbox/v1/queues/999/autopilot", {})
    agent = control.get("/sandbox/v1/agents/agent-nobody/autopilot")

    assert queue.status_code == 404
    assert problem(queue)["detail"] == "Entity of type Queue with id 999 was not found."
    assert agent.status_code == 404
    assert problem(agent)["detail"] == "Entity of type Agent with id agent-nobody was not found."


def test_another_tenants_queue_is_unknown(world: World, control: GatewayClient) -> None:
    other = world_create()

    response = control.put(f"/sandbox/v1/queues/{other.sales.public_id}/autopilot", {})

    assert response.status_code == 404
    assert not Autopilot.objects.exists()


def _errors(response: object) -> list[str]:
    body = problem(response)  # type: ignore[arg-type]
    assert body["status"] == 400
    return [error["message"] for error in body["errors"]]


def test_it_names_a_bad_regular_expression(world: World, control: GatewayClient) -> None:
    response = control.put(_path(world), {"reply": {"mode": "rules", "rules": [{"match": "(", "text": "x"}]}})

    assert _errors(response) == [
        "reply.rules[0].match: invalid regular expression (missing ), unterminated subpattern at position 0)"
    ]
    assert not Autopilot.objects.exists()


def test_it_names_an_unknown_transfer_queue(world: World, control: GatewayClient) -> None:
    response = control.put(_path(world), {"transferAfterMessages": {"count": 2, "queueId": "999"}})

    assert _errors(response) == ["transferAfterMessages.queueId: unknown queue 999"]


def test_it_names_every_bad_field(world: World, control: GatewayClient) -> None:
    response = control.put(
        _path(world),
        {
            "accept": {"afterMs": -1},
            "reply": {"mode": "lines", "delayMs": {"min": 5, "max": 1}},
            "endAfterMessages": 0,
        },
    )

    assert _errors(response) == [
        "accept.afterMs: Ensure this value is greater than or equal to 0.",
        "reply.delayMs.max: must be at least min (5)",
        "endAfterMessages: Ensure this value is greater than or equal to 1.",
    ]


def test_it_rejects_an_unknown_accept_form_and_mode(world: World, control: GatewayClient) -> None:
    response = control.put(_path(world), {"accept": "sometimes", "reply": {"mode": "shout"}})

    assert _errors(response) == [
        'accept: Expected {"afterMs": n}, {"reject": true, "afterMs": n}, "never" or "reject".',
        'reply.mode: "shout" is not a valid choice.',
    ]


def test_lines_mode_needs_lines(world: World, control: GatewayClient) -> None:
    response = control.put(_path(world), {"reply": {"mode": "lines"}})

    assert _errors(response) == ["reply.lines: at least one line is needed with mode lines"]


def test_the_schema_documents_the_autopilot_operations(control: GatewayClient) -> None:
    schema = json.loads(control.get("/api/sandbox-v1.oas.json").content)

    operations = {
        operation["operationId"]
        for path, item in schema["paths"].items()
        if path.rstrip("/").endswith("/autopilot")
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    assert operations == {
        "queue_autopilot_get",
        "queue_autopilot_put",
        "queue_autopilot_delete",
        "agent_autopilot_get",
        "agent_autopilot_put",
        "agent_autopilot_delete",
    }
