"""The OpenAPI schema: generated without a single warning (CI runs this test), served at
/api/schema/, with interactive docs at /api/docs/ whose assets are our own static files
(no CDN)."""

from __future__ import annotations

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command


def test_the_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    paths = schema["paths"]
    for path in ["/api/v1/certifications/", "/api/v1/referentiels/{public_id}/",
                 "/api/v1/imports/", "/api/v1/candidates/", "/api/v1/sessions/",
                 "/api/v1/enrolments/", "/api/v1/juries/", "/api/v1/assessments/",
                 "/api/v1/assignments/", "/api/v1/scores/", "/api/v1/deliberations/",
                 "/api/v1/deliberations/{public_id}/sign/", "/api/v1/documents/",
                 "/api/v1/documents/{public_id}/download/",
                 "/api/v1/documents/{public_id}/revoke/", "/api/v1/verify/{code}/",
                 "/api/v1/verify/file/"]:
        assert path in paths, path
    public = {("get", "/api/v1/verify/{code}/"), ("post", "/api/v1/verify/file/"),
              ("post", "/api/v1/verify/credential/")}
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert operation.get("summary"), (method, path)
            codes = set(operation["responses"])
            assert "404" in codes, (method, path)
            if (method, path) not in public:
                assert {"401", "403"} <= codes, (method, path)
    assert schema["components"]["securitySchemes"]["tokenAuth"]["scheme"] == "bearer"
    for method, path in public:
        assert paths[path][method].get("security", []) in ([], [{}]), path
    upload = paths["/api/v1/verify/file/"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"200", "400", "413", "429"} <= set(upload["responses"])


@pytest.mark.django_db
def test_the_schema_and_the_docs_are_served_from_local_files(client):
    assert client.get("/api/schema/").status_code == 200
    page = client.get("/api/docs/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets
    for asset in assets:
        assert not asset.startswith(("http:", "https:", "//")), asset
    scripts = [a for a in assets if a.endswith(".js")]
    assert scripts
    for script in scripts:
        assert finders.find(script.removeprefix("/static/")), script
