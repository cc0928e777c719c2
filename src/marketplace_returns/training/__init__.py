"""Training the learned reader (engine/reader.py): the labelled corpus, features, calibration, fitting.

Why apart from the engine: training needs the ``train`` extra (scikit-learn) and third-party corpora
fetched beside the checkout; the installed package only predicts from the weights it ships. Nothing in
``marketplace_returns.engine`` imports this package.
"""
