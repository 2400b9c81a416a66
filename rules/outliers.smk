# Activation caches -> streaming per-layer statistics -> detected outlier dims (Figures 1-2).


rule stats:
    input:
        cache("corpus/{corpus}"),
    output:
        "results/{model}/stats/{corpus}.npz",
    log:
        "logs/stats/{model}/{corpus}.log",
    benchmark:
        "results/benchmarks/stats/{model}/{corpus}.tsv"
    conda:
        "../envs/analysis.yaml"
    params:
        special_tokens=config["outliers"]["special_tokens"],
    script:
        "../scripts/stats.py"


rule outliers:
    input:
        "results/{model}/stats/{corpus}.npz",
    output:
        "results/{model}/outliers/{corpus}.csv",
    log:
        "logs/outliers/{model}/{corpus}.log",
    localrule: True
    conda:
        "../envs/analysis.yaml"
    params:
        criterion=config["outliers"]["criterion"],
    script:
        "../scripts/outliers.py"


rule fig1_mean_vectors:
    input:
        expand("results/{{model}}/outliers/{corpus}.csv", corpus=OUTLIER_CORPORA[:1]),
    output:
        report(
            "results/paper/fig1_mean_vectors_{model}.png",
            caption="../report/fig1.rst",
            category="Outlier dimensions",
            labels={"model": "{model}", "figure": "1-2 mean vectors"},
        ),
    log:
        "logs/fig1_mean_vectors/{model}.log",
    localrule: True
    conda:
        "../envs/report.yaml"
    script:
        "../scripts/fig1_mean_vectors.py"
