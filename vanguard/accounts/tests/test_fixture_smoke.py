def test_users_fixture_builds_one_user_per_role(users):
    assert len(users) == 8
