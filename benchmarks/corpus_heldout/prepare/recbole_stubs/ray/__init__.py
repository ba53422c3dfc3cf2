"""Import-only stand-in for ``ray`` (not installed here): RecBole imports ``ray.tune`` at module level
for its hyper-parameter search, which ``run_recbole.py`` never calls. Any use raises."""
