"""Credentials never reach the API journal: keys, bearer and basic credentials, link tokens."""

from gateway_sim.masking import credentials_masked, headers_masked, links_masked

KEY = "k8d2Jq7ZpX0vR4tY6uW1sA3b"


def test_an_api_key_keeps_only_its_last_four_characters() -> None:
    assert headers_masked([("X-Api-Key", KEY), ("Accept", "application/json")]) == {
        "x-api-key": "****sA3b",
        "accept": "application/json",
    }


def test_a_short_key_is_masked_whole() -> None:
    assert headers_masked([("x-api-key", "abc123")]) == {"x-api-key": "****"}


def test_bearer_and_basic_credentials_are_masked() -> None:
    assert headers_masked([("Authorization", f"Bearer {KEY}")]) == {"authorization": "Bearer ****sA3b"}
    assert headers_masked([("Authorization", "Basic a2V5OnNlY3JldA==")]) == {"authorization": "Basic ****"}
    assert headers_masked([("Authorization", "opaque")]) == {"authorization": "****"}
    assert headers_masked([("Cookie", "csrftoken=abc")]) == {"cookie": "****"}


def test_the_token_of_a_presigned_link_is_masked_wherever_it_appears() -> None:
    body = '{"preSignedUrl":"http://127.0.0.1:8000/files/AbC123/eyJ0b2tlbiI6MX0:1s2:sig"}'

    assert links_masked("/files/AbC123/eyJ0b2tlbiI6MX0:1s2:sig") == "/files/AbC123/****"
    assert links_masked(body) == '{"preSignedUrl":"http://127.0.0.1:8000/files/AbC123/****"}'
    assert headers_masked([("Location", "/files/a/b")]) == {"location": "/files/a/****"}


def test_a_token_exchange_form_masks_the_credential_fields() -> None:
    form = f"grant_type=client_credentials&client_id=my-key-0123456789&client_secret={KEY}"

    assert credentials_masked(form, "application/x-www-form-urlencoded") == (
        "grant_type=client_credentials&client_id=%2A%2A%2A%2A6789&client_secret=%2A%2A%2A%2AsA3b"
    )


def test_a_token_answer_masks_the_access_token() -> None:
    answer = f'{{"access_token":"{KEY}","token_type":"BearerToken","nested":[{{"password":"pw"}}]}}'

    assert credentials_masked(answer, "application/json") == (
        '{"access_token":"****sA3b","token_type":"BearerToken","nested":[{"password":"****"}]}'
    )


def test_a_token_exchange_body_in_another_form_is_not_shown() -> None:
    assert credentials_masked("--b\r\nclient_secret\r\n", "multipart/form-data; boundary=b") == "****"
    assert credentials_masked("{not json", "application/json") == "****"
    assert credentials_masked("", "application/json") == ""
