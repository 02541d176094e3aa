"""The German send and member report for the founder.

Gathers the figures from the journal, the suppression store and the members source — counts
only, never people (``figures``), draws them as charts (``charts``) and writes one
self-contained page plus CSV files (``page``); ``report --mail`` sends it as an HTML email
with the charts as PNG and the CSVs attached (``mail``), with ``--due`` monthly and three days
after each send (``due``).
"""
