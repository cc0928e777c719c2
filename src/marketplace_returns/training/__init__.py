"""Training-side code of the learned reader: the labelled corpus (rebuilt from public corpora).

Nothing here runs in the service; the installed package only predicts.
"""
