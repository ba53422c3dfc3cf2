# dreamquark-ai/tabnet's README usage ("How to use it?", README.md:91-100, with the classifier
# options and fit arguments of README.md:173-188 and the saving of README.md:204-207), on
# scikit-learn's bundled breast-cancer table (569 rows, 30 numeric features; no download).
# benchmarks/corpus_heldout/tabnet.toml copies it into the repo root. Only the data, the split and
# the epoch / batch sizes are ours; everything else is the README's.
import torch
from pytorch_tabnet.tab_model import TabNetClassifier
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

# Any (X, y) arrays: here a table that ships with scikit-learn.
X, y = load_breast_cancer(return_X_y=True)
X_train, X_rest, y_train, y_rest = train_test_split(X, y, test_size=0.4, random_state=0)
X_valid, X_test, y_valid, y_test = train_test_split(X_rest, y_rest, test_size=0.5, random_state=0)

clf = TabNetClassifier(
    optimizer_fn=torch.optim.Adam,
    optimizer_params=dict(lr=2e-2),
    scheduler_params={"step_size": 10, "gamma": 0.9},
    scheduler_fn=torch.optim.lr_scheduler.StepLR,
    mask_type="sparsemax",
)

clf.fit(
    X_train=X_train,
    y_train=y_train,
    eval_set=[(X_train, y_train), (X_valid, y_valid)],
    eval_name=["train", "valid"],
    eval_metric=["auc"],
    max_epochs=20,
    patience=30,
    batch_size=64,
    virtual_batch_size=32,
)
preds = clf.predict(X_test)

saving_path_name = "./tabnet_model_test_1"
saved_filepath = clf.save_model(saving_path_name)
