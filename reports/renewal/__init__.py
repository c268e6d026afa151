"""The France Compétences renewal file (« dossier de renouvellement », issue 20, docs/renewal.md):
what a certification produced, promotion by promotion.

- ``selectors``: the figures, read from signed deliberations in a constant number of
  queries (``renewal_report``), and the promotions (``Promotion``);
- ``charts``: the bars the page and the PDF draw (inline SVG, no JavaScript);
- ``exports``: the same figures as XLSX, PDF (the documents' WeasyPrint pipeline) and JSON.

The insertion of holders (employment at 6 and 24 months) is read from the insertion
survey (the ``insertion`` app; its e-mails are sent by ``notifications``).
"""
