"""Each band is shown with its source, from the data: the matrix's band (the ruleset's, which routes)
and the questionnaire's standard band (for information), in labels of their own."""

from __future__ import annotations

from triage.rules.questionnaires import questionnaire

from .conftest import RULESET
from .screening_keys import make_page, type_scores

PHQ9_17 = [2, 2, 2, 2, 2, 2, 2, 2, 1]  # total 17: matrix band medium, standard band moderately severe
GAD7_13 = [2, 2, 2, 2, 2, 2, 1]  # total 13: matrix band medium, standard band moderate


def test_the_panel_and_the_form_show_each_band_with_its_source_apart(qtbot):
    page = make_page(qtbot)
    type_scores(qtbot, page, "".join(map(str, PHQ9_17)), "".join(map(str, GAD7_13)))
    phq9 = questionnaire("phq9")
    assert phq9.bands.citation.split()[0] in phq9.bands.source  # the short form is of the source the data gives
    matrix = page.panel.matrix_bands["PHQ-9"].text()
    standard = page.panel.standard_bands["PHQ-9"].text()
    assert "Matrix band (Doncaster 2007): medium" in matrix and "Kroenke" not in matrix
    assert f"Standard band ({phq9.bands.citation}): moderately severe" in standard and "Matrix" not in standard
    assert phq9.bands.source in page.panel.standard_bands["PHQ-9"].toolTip()
    assert "Standard band (Spitzer et al. 2006): moderate" in page.panel.standard_bands["GAD-7"].text()
    assert "Moderately severe" not in page.panel.score_totals["PHQ-9"].text()
    # the form: the standard band under the questionnaire, the matrix band on the severity line
    assert page.phq9.band_label.text() == f"Standard band ({phq9.bands.citation}): moderately severe"
    assert "band" not in page.phq9.total_label.text()
    assert "Matrix band (Doncaster 2007): medium" in page.severity_line.text()
    assert RULESET.id == "doncaster-2007"  # where "Doncaster 2007" comes from
