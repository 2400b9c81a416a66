# Activation caches -> streaming per-layer statistics -> detected outlier dims (Figures 1-2).


rule stats:
    input:
        cache("corpus/{corpus}"),
    output:
        "results/{model}/stats/{corpus}.npz",
    params:
        special_tokens=config["outliers"]["special_tokens"],
    log:
        "logs/stats/{model}/{corpus}.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/stats.py"


rule outliers:
    localrule: True
    input:
        "results/{model}/stats/{corpus}.npz",
    output:
        "results/{model}/outliers/{corpus}.csv",
    params:
        criterion=config["outliers"]["criterion"],
    log:
        "logs/outliers/{model}/{corpus}.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/outliers.py"


rule fig1_mean_vectors:
    localrule: True
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
        "logs/fig1/{model}.log",
    conda:
        "../envs/report.yaml"
    script:
        "../scripts/fig1_mean_vectors.py"
