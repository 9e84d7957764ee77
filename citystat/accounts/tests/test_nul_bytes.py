import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "address",
    ["/measures/%00/", "/api/v1/goals/?plan=%00", "/search/?q=a%00b", "/datasets/?%00=1"],
)
def test_a_nul_character_in_the_address_is_a_bad_request_not_a_server_error(client, address):
    response = client.get(address)
    assert response.status_code == 400
    assert b"NUL" in response.content
