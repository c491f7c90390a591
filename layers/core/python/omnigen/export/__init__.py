"""The delivery package of one version: its files, the captions in both formats, the compliance
report as a PDF, the QC report and the approval record, in one zip."""
