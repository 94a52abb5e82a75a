"""A reference set registered again (`panhuo data add` in another process) is seen by a process that is
already running — the web server — without a restart.  Hand-built files, no reference data."""

import os

from panhuo.taxonomy import datasets, service

IPC_ZH = ("code,level,title_zh,division_zh\nH,section,电学,\nH01,class,基本电气元件,\n"
          "H01M,subclass,化学能转电能的方法或装置,\nH01M10/00,main_group,二次电池,\n")


def _title(data, workspace, code="H01M10/00"):
    return service.ipc_info(code, data_dir=datasets.effective_data_dir(data, workspace))["hierarchy"][0]["title_zh"]


def test_a_set_registered_again_by_another_process_replaces_what_this_one_loaded(tmp_path):
    folder, data, workspace = tmp_path / "in", tmp_path / "no-data", tmp_path / "ws"
    folder.mkdir(), data.mkdir()
    (folder / "ipc_zh_2027.csv").write_text(IPC_ZH, encoding="utf-8")
    datasets.add(folder, workspace)
    assert _title(data, workspace) == "二次电池"
    (folder / "ipc_zh_2027.csv").write_text(IPC_ZH.replace("二次电池", "二次电池（修订）"), encoding="utf-8")
    datasets.add(folder, workspace)  # what `data add` does, without clearing this process's caches
    meta = datasets.sets_dir(workspace) / "ipc-zh-2026" / "set.json"
    later = meta.stat().st_mtime + 5
    os.utime(meta, (later, later))  # a later registration, whatever the file system's clock resolution
    assert _title(data, workspace) == "二次电池（修订）"
    assert service.catalog(data_dir=data, workspace=workspace).missing.count("ipc-zh-2026") == 0
