# Imported by every Python process the test suite starts (conftest.py puts this folder on
# PYTHONPATH), so notebook kernels run under the same network guard as the tests themselves.
# offline.py is loaded by path so that starting a process does not import torch.
import os

if os.environ.get("COURSE_BLOCK_NETWORK") == "1":
    import importlib.util
    from pathlib import Path

    _path = Path(__file__).resolve().parents[2] / "course_utils" / "offline.py"
    _spec = importlib.util.spec_from_file_location("_course_offline_guard", _path)
    _guard = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_guard)
    _guard.block_network(os.environ.get("COURSE_NETWORK_LOG"))
