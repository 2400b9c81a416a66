# Statistics (+ detected outliers) -> one fitted affine map per layer for each method.


rule fit_postprocess:
    localrule: True
    input:
        unpack(get_fit_inputs),
    output:
        "results/{model}/postprocess/{fitted}.npz",
    params:
        method=get_fit_params,
    log:
        "logs/fit_postprocess/{model}/{fitted}.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/fit_postprocess.py"
