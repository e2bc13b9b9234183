import logging
from tests.helpers import *

def test_explore(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    ref, code = submit_report(client, name="保密测试人", phone="13912345678", email="planted@example.org", visibility="handling_unit")
    text = caplog.text
    print(len(caplog.records), {r.name for r in caplog.records})
    print("planted in logs:", "保密测试人" in text, "13912345678" in text)
