# Phrase-grammar induction (the earlier version's experiment): trees split at the largest
# distance between adjacent word vectors, scored against the Penn Treebank sample, raw and
# after each post-processing, beside right-/left-branching and random-tree baselines.


rule prepare_grammar:
    input:
        data_files(GRAMMAR_FILES),
    output:
        "results/data/grammar.csv",
    log:
        "logs/prepare_grammar/grammar.log",
    localrule: True
    conda:
        "../envs/data.yaml"
    params:
        limit=config["grammar"]["limit"],
        files=GRAMMAR_FILES,
    script:
        "../scripts/prepare_grammar.py"


rule grammar:
    input:
        cache=cache("grammar"),
        treebank="results/data/grammar.csv",
        fit=get_fit_files,
    output:
        scores="results/{model}/tasks/grammar/{method}.csv",
        trees="results/{model}/tasks/grammar/{method}.trees.csv.gz",
    log:
        "logs/grammar/{model}/{method}.log",
    benchmark:
        "results/benchmarks/grammar/{model}/{method}.tsv"
    conda:
        "../envs/analysis.yaml"
    params:
        eval_fit=get_eval_fit,
    script:
        "../scripts/grammar.py"


rule grammar_baselines:
    input:
        "results/data/grammar.csv",
    output:
        "results/baselines/grammar.csv",
        trees="results/baselines/grammar.trees.csv.gz",
    log:
        "logs/grammar_baselines/grammar.log",
    localrule: True
    conda:
        "../envs/analysis.yaml"
    params:
        seed=config["grammar"]["seed"],
    script:
        "../scripts/grammar_baselines.py"


rule collect_grammar:
    input:
        get_per_method("results/{model}/tasks/grammar/{method}.csv"),
    output:
        "results/{model}/tasks/grammar.csv",
    log:
        "logs/collect_grammar/{model}.log",
    localrule: True
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/concat.py"


rule table_grammar:
    input:
        results=per_model("results/{model}/tasks/grammar.csv"),
        baselines="results/baselines/grammar.csv",
    output:
        **{
            ext: report(
                f"results/paper/table_grammar.{ext}",
                caption="../report/table_grammar.rst",
                category="Tables",
                labels={"table": "grammar induction (earlier version)", "format": ext},
            )
            for ext in TABLE_FORMATS
        },
    log:
        "logs/table_grammar/table_grammar.log",
    localrule: True
    conda:
        "../envs/report.yaml"
    params:
        clips=CLIPS,
    script:
        "../scripts/table_grammar.py"
