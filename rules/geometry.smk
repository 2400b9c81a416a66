# Anisotropy and self-similarity per layer, raw and after each post-processing (Figure 6).


rule geometry:
    input:
        cache=cache(f"corpus/{GEOMETRY_CORPUS}"),
        fit=get_fit_files,
    output:
        "results/{model}/geometry/{method}.csv",
    log:
        "logs/geometry/{model}/{method}.log",
    benchmark:
        "results/benchmarks/geometry/{model}/{method}.tsv"
    conda:
        "../envs/analysis.yaml"
    params:
        geometry=config["geometry"],
        eval_fit=get_eval_fit,
    script:
        "../scripts/geometry.py"


rule collect_geometry:
    input:
        get_per_method("results/{model}/geometry/{method}.csv"),
    output:
        "results/{model}/geometry.csv",
    log:
        "logs/collect_geometry/{model}.log",
    localrule: True
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/concat.py"
