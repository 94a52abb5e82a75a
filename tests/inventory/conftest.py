import pytest

from panhuo.accounts import service as accounts_service
from panhuo.web.demo import seed_demo


@pytest.fixture
def demo(session):
    """The demo world; ``demo(name)`` is the principal of a demo account."""
    seed_demo(session, patents=10)

    def principal(username: str):
        user = accounts_service.get_user_by_username(db_session=session, username=username)
        return accounts_service.principal_for(db_session=session, user=user)

    return principal
