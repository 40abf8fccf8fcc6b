import micromegas


def test_version():
    assert micromegas.__version__ == "0.12.0"


def test_submodules_exposed():
    assert callable(micromegas.time.rfc3339_to_ns)
    assert callable(micromegas.query.Query)
    assert callable(micromegas.spans.thread_busy_time)
