"""The analyzer: bigrams over CJK runs, whole Latin words, normalised width and script."""

import subprocess
import sys

from portal.search.analysis import normalise, normalise_with_offsets, token_texts, tokens


def test_cjk_runs_become_overlapping_bigrams_and_lone_characters_stay():
    """水污染 → 水污 污染; a character between punctuation is its own token."""
    assert token_texts("推进水污染治理") == ["推进", "进水", "水污", "污染", "染治", "治理"]
    assert token_texts("水、气") == ["水", "气"]


def test_latin_and_digit_runs_are_lower_cased_words():
    """PM2.5, SO2, 2020 and 0.58 stay whole; letters are lower-cased."""
    assert token_texts("PM2.5浓度,SO2排放,到2020年提高到0.58以上") == [
        "pm2.5",
        "浓度",
        "so2",
        "排放",
        "到",
        "2020",
        "年提",
        "提高",
        "高到",
        "0.58",
        "以上",
    ]
    assert token_texts("GB13223-2011 v1.2") == ["gb13223", "2011", "v1.2"]


def test_punctuation_is_skipped_and_positions_are_consecutive():
    """Full-width and ASCII punctuation alike produce no token and leave no gap in positions."""
    found = tokens("兵团建设局（环保局）")
    assert [t.text for t in found] == ["兵团", "团建", "建设", "设局", "环保", "保局"]
    assert [t.position for t in found] == list(range(6))
    assert token_texts("兵团建设局(环保局)") == token_texts("兵团建设局（环保局）")
    assert token_texts("“”《》〔〕,。;:!?、——…") == []


def test_full_width_forms_and_traditional_script_are_normalised():
    """ＰＭ２．５ → pm2.5, 大氣污染 → 大气污染, ideographic space → space."""
    assert normalise("ＰＭ２．５　大氣污染") == "PM2.5 大气污染"
    assert token_texts("兵團環保局") == token_texts("兵团环保局")


def test_offsets_trace_normalised_characters_back():
    """Each normalised character knows the original character it came from."""
    text, offsets = normalise_with_offsets("大氣（Ａ）㎡")
    assert text == "大气(A)m2"
    assert offsets == [0, 1, 2, 3, 4, 5, 5]


def test_opencc_converter_is_built_lazily_once_per_process(tmp_path):
    """Importing the package loads neither opencc nor the configuration nor any index; the converter
    is built on the first Han text and reused afterwards."""
    script = (
        "import os, sys, portal.config\n"
        "def refuse(*args, **kwargs):\n"
        "    raise AssertionError('configuration read at import time')\n"
        "portal.config.load = refuse\n"
        "before = set(os.listdir('.'))\n"
        "import portal.search\n"
        "from portal.search import analysis\n"
        "assert 'opencc' not in sys.modules, 'opencc imported at import time'\n"
        "assert set(os.listdir('.')) == before, 'files created at import time'\n"
        "analysis.normalise('PM2.5 only latin')\n"
        "assert analysis._converter.cache_info().currsize == 0\n"
        "assert analysis.normalise('大氣') == '大气' and analysis.normalise('兵團') == '兵团'\n"
        "info = analysis._converter.cache_info()\n"
        "print(info.misses, info.hits)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "1"]
