// Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are macros that take the
// address of global structs; Swift cannot import them, so each gets a static inline shim.
#include <mpi.h>

static inline MPI_Comm colad_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Comm colad_mpi_comm_null(void) { return MPI_COMM_NULL; }
static inline MPI_Datatype colad_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype colad_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype colad_mpi_int32(void) { return MPI_INT32_T; }
static inline MPI_Datatype colad_mpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Datatype colad_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype colad_mpi_char(void) { return MPI_CHAR; }
static inline MPI_Op colad_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op colad_mpi_max(void) { return MPI_MAX; }
static inline MPI_Op colad_mpi_min(void) { return MPI_MIN; }
static inline void *colad_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline int colad_mpi_success(void) { return MPI_SUCCESS; }
static inline int colad_mpi_undefined(void) { return MPI_UNDEFINED; }
static inline int colad_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline int colad_mpi_max_processor_name(void) { return MPI_MAX_PROCESSOR_NAME; }
static inline MPI_Errhandler colad_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline MPI_Request colad_mpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline int colad_mpi_test(MPI_Request *request, int *done) { return MPI_Test(request, done, MPI_STATUS_IGNORE); }
