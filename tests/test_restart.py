"""Jobs live in Redis: a redeployed app (all replicas new) still answers for them."""

import pytest

from tests.documents import data_file


@pytest.mark.slow
def test_job_survives_an_app_restart(client, service):
    job = client.post("/api/v1/ocr/", files={"file": ("p.jpg", data_file("img_exif_orientation.jpg"))}).json()
    service.restart()
    assert client.get("/healthz").status_code == 200
    fetched = client.get(f"/api/v1/ocr/{job['uuid']}/")
    assert fetched.status_code == 200
    assert fetched.json() == job
