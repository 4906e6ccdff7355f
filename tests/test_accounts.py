"""`ocrchat accounts create` and the tokens it prints, against the real service."""

import os
import subprocess
import sys

import redis

from tests.documents import data_file


def create_account(redis_url: str) -> str:
    env = {**os.environ, "OCRCHAT_REDIS_URL": redis_url}
    result = subprocess.run(
        [sys.executable, "-m", "serve.cli", "accounts", "create", "--plan", "free"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def test_created_token_is_accepted_and_stored_only_hashed(client, redis_server):
    token = create_account(redis_server.url)
    assert token.startswith("ocr_") and len(token) > 40
    photo = data_file("img_exif_orientation.jpg")
    by_header = client.post(
        "/api/v1/ocr/", files={"file": ("p.jpg", photo)}, headers={"Authorization": f"Bearer {token}"}
    )
    assert by_header.status_code == 200, by_header.text
    by_query = client.get(f"/api/v1/ocr/{by_header.json()['uuid']}/", params={"api_token": token})
    assert by_query.status_code == 200
    store = redis.Redis.from_url(redis_server.url)
    for key in store.scan_iter():
        assert token.encode() not in key
        value = store.dump(key) or b""
        assert token.encode() not in value


def test_a_job_is_not_visible_to_another_caller(client, redis_server):
    owner, other = create_account(redis_server.url), create_account(redis_server.url)
    photo = data_file("img_exif_orientation.jpg")
    job = client.post("/api/v1/ocr/", files={"file": ("p.jpg", photo)}, params={"api_token": owner}).json()
    assert client.get(f"/api/v1/ocr/{job['uuid']}/", params={"api_token": other}).status_code == 404
    assert client.get(f"/api/v1/ocr/{job['uuid']}/").status_code == 404  # anonymous caller


def test_the_cli_never_prints_the_redis_password():
    env = {**os.environ, "OCRCHAT_REDIS_URL": "redis://:s3cret-pass@127.0.0.1:9/0"}
    result = subprocess.run(
        [sys.executable, "-m", "serve.cli", "accounts", "list"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 1
    assert "Cannot reach Redis at redis://:***@127.0.0.1:9/0" in result.stderr and "s3cret" not in result.stderr
