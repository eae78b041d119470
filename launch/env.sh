# Sourced by launch scripts: MPI as root, thread counts for this machine.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Open MPI's shared-memory transport needs no network; keep the TCP transport on loopback.
export OMPI_MCA_btl_tcp_if_include=${OMPI_MCA_btl_tcp_if_include:-lo}
export OMPI_MCA_oob_tcp_if_include=${OMPI_MCA_oob_tcp_if_include:-lo}
CORES=$(nproc)
# mpirun_flags RANKS: flags for RANKS processes on this one machine.
mpirun_flags() {
  local ranks=$1
  local threads=$(( CORES / ranks )); [ "$threads" -lt 1 ] && threads=1
  echo "-np $ranks --oversubscribe --bind-to none -x OPENBLAS_NUM_THREADS=$threads -x OMPI_MCA_btl_tcp_if_include -x OMPI_MCA_oob_tcp_if_include"
}
COLAD="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.build/release/colad"
# OpenBLAS kernels: the colad executable re-executes itself with OPENBLAS_CORETYPE when
# OpenBLAS's own detection fell below the CPU (Engine/BLASKernels.swift); exporting its choice
# gives every other process of the scripts (`swift test`, Python readers) the same kernels.
if [ -z "${OPENBLAS_CORETYPE:-}" ] && [ -x "$COLAD" ]; then
  OPENBLAS_CORETYPE=$("$COLAD" diag blas --coretype 2>/dev/null || true)
  if [[ "$OPENBLAS_CORETYPE" =~ ^[A-Za-z0-9]+$ ]]; then export OPENBLAS_CORETYPE; else unset OPENBLAS_CORETYPE; fi
fi
