"""The classification report's plain-words tables (``wording``'s counterpart): what each
baseline does, how a training stopped, the search's verdicts, the settings' values, the
glossary. Sentences built around numbers stay in their section.
"""

from __future__ import annotations

from advisor.core.class_settings import CLASS_SETTINGS
from advisor.probes.class_baselines import DTW, MAJORITY, MINIROCKET
from advisor.reports.wording import FINDING_PHRASES, Term

BASELINE_WORDS = {
    MAJORITY: "always predict the class most common among the training sequences",
    DTW: "give each sequence the class of the training sequence it most resembles, "
    "stretching time to line them up (dynamic time warping)",
    MINIROCKET: "thousands of fixed random filters slid along each sequence, and a linear "
    "classifier over what they find; fast and among the most accurate methods known",
}
STOP_WORDS = {
    "early_stopping": "early stopping",
    "epochs": "ran all epochs",
    "budget": "time budget ran out",
    "diverged": "loss grew without bound (diverged)",
}
FINAL_STOP_WORDS = {
    "early_stopping": "the first training stopped where its training loss stopped falling",
    "budget": "the time budget ended the first training before its training loss stopped falling",
}
"""How the final classifier's epoch count came about (``ClassFinal.stopped_reason``)."""
POOLING_WORDS = {
    "average": "average over the real steps",
    "last": "output after the last real step",
}
VERDICT_WORDS = {
    "confirmed": "The verification search confirmed the suggestion: no setting it tried did "
    "clearly better on the validation sequences.",
    "refined": "The verification search found settings that did better on the validation "
    "sequences; the final model uses them.",
    "widen": "The verification search found its best settings at the edge of the ranges it "
    "searched, so better settings may lie outside them.",
    "untested": "The verification search trained no other setting it could compare with the "
    "suggestion, so the suggestion is untested.",
}
SETTING_LABELS = {name: s.label for name, s in CLASS_SETTINGS.items()}


def class_phrase(finding_id: str) -> str:
    """A finding's short name, said of sequences (the forecasting table says rows)."""
    phrase = FINDING_PHRASES.get(finding_id, finding_id.replace("_", " "))
    return phrase.replace("rows", "sequences")


GLOSSARY = (
    Term(
        "Accuracy",
        "The share of sequences given their right class. With unequal classes it flatters "
        "a model that favours the common ones.",
    ),
    Term(
        "Macro-F1",
        "The F1 score of each class averaged with equal weight, so a rare class counts as "
        "much as a common one. 1 is perfect.",
    ),
    Term(
        "Balanced accuracy",
        "The share of each class's sequences found (its recall), averaged over the classes.",
    ),
    Term(
        "Precision and recall",
        "Of the sequences predicted as a class, the share that are (precision); of the "
        "sequences of a class, the share found (recall). F1 is their harmonic mean.",
    ),
    Term(
        "Confusion matrix",
        "Test sequences counted by their true class (row) and the class the model gave them "
        "(column); the diagonal holds the right answers.",
    ),
    Term(
        "Cross-entropy",
        "The loss a classifier trains on: small when it gives the true class a high "
        "probability. It moves with every sequence's confidence, where accuracy moves only "
        "when a prediction flips, so settings are compared on it.",
    ),
    Term(
        "Baseline",
        "A cheap classifier any LSTM must beat to be worth its cost: the majority class, "
        "1-NN DTW and MiniRocket.",
    ),
    Term(
        "Noise band",
        "How far a comparison of two scores could move by chance on these few validation "
        "sequences, from resampling them; a difference inside it is no difference found.",
    ),
    Term("Units", CLASS_SETTINGS["units"].meaning),
    Term("Dropout", CLASS_SETTINGS["dropout"].meaning),
    Term("Epoch", "One pass of the training over every training sequence."),
    Term(
        "Validation and test sequences",
        "Sequences kept out of training: validation ones compare settings, test ones are "
        "scored once at the end, so their score is what to expect on new sequences.",
    ),
)
