"""The web process never imports torch: only the worker processes do."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from app.config import PROJECT_ROOT

pytestmark = pytest.mark.slow

SCRIPT = textwrap.dedent('''
    import json, sys, time

    def main(db_url):
        from fastapi.testclient import TestClient
        from app.config import Settings
        from tests.apps import new_app

        settings = Settings(database_url=db_url, testing=True, secret_key="x", demo_workers=1)
        seen = {}
        with TestClient(new_app(settings)) as client:
            seen["list"] = client.get("/api/v1/demos").status_code
            seen["page"] = client.get("/demos/activation-gradients", headers={"accept": "text/html"}).status_code
            run = client.post("/api/v1/demos/activation-gradients/runs",
                              json={"params": {"depth": 6, "width": 32, "batch_size": 16, "trials": 1}}).json()
            deadline = time.monotonic() + 600  # past the worker's own run time limit
            while run["status"] not in ("succeeded", "failed", "timed_out") and time.monotonic() < deadline:
                time.sleep(0.05)
                run = client.get(f"/api/v1/runs/{run['id']}").json()
            seen["status"] = run["status"]
            seen["run_page"] = client.get(f"/runs/{run['id']}", headers={"accept": "text/html"}).status_code
            seen["torch_version_recorded"] = run["torch_version"]
        seen["torch_imported"] = "torch" in sys.modules
        seen["numpy_imported"] = "numpy" in sys.modules
        print(json.dumps(seen))

    if __name__ == "__main__":  # the worker processes are spawned: they re-import this file
        main(sys.argv[1])
''')


def test_serving_pages_and_runs_never_imports_torch(tmp_path, migrated_template):
    shutil.copy(migrated_template, tmp_path / "kb.sqlite3")
    script = tmp_path / "web_process.py"
    script.write_text(SCRIPT, encoding="utf-8")
    # The script lives outside the checkout, so the checkout's tests package is reachable only through PYTHONPATH
    # (an installed project puts app on the path, never tests).
    done = subprocess.run([sys.executable, str(script), f"sqlite:///{tmp_path / 'kb.sqlite3'}"], cwd=PROJECT_ROOT,
                          env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["list"] == seen["page"] == seen["run_page"] == 200
    assert seen["status"] == "succeeded" and seen["torch_version_recorded"].startswith("2.")
    assert seen["torch_imported"] is False
